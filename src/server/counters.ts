/**
 * Packet counters: every drop is counted by cause, so an admin can see a wrong secret or a
 * BlastRADIUS-style forgery on the status page instead of a silent failure.
 */
export const counterNames = [
  'received',
  'answered',
  'dropped_unknown_client',
  'dropped_malformed',
  'dropped_unexpected_code',
  'dropped_missing_message_authenticator',
  'dropped_bad_message_authenticator',
  'dropped_bad_authenticator',
  'dropped_bad_password_encoding',
  'dropped_reply_too_long',
  'duplicate_in_flight',
  'duplicate_replayed',
  'status_server',
  'access_accept',
  'access_reject',
  'access_challenge',
  'handler_errors',
] as const;

export type CounterName = (typeof counterNames)[number];

export class Counters {
  private readonly values = new Map<CounterName, number>(counterNames.map((n) => [n, 0]));

  inc(name: CounterName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  get(name: CounterName): number {
    return this.values.get(name) ?? 0;
  }

  snapshot(): Record<CounterName, number> {
    return Object.fromEntries(this.values) as Record<CounterName, number>;
  }
}
