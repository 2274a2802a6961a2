/** Accounting listener counters: every drop by cause, as for the authentication port. */
export const accountingCounterNames = [
  'received',
  'answered',
  'status_server',
  'dropped_unknown_client',
  'dropped_malformed',
  'dropped_unexpected_code',
  'dropped_bad_authenticator',
  'dropped_bad_message_authenticator',
  'duplicate_in_flight',
  'duplicate_replayed',
  /** Acknowledged by an upstream accounting server. */
  'forwarded',
  /** Written to the local log and synced to disk. */
  'recorded_locally',
  /** Neither: no answer sent, so the gateway retransmits or fails over. */
  'not_recorded',
] as const;

export type AccountingCounterName = (typeof accountingCounterNames)[number];

export class AccountingCounters {
  private readonly values = new Map<AccountingCounterName, number>(accountingCounterNames.map((n) => [n, 0]));

  inc(name: AccountingCounterName): void {
    this.values.set(name, (this.values.get(name) ?? 0) + 1);
  }

  get(name: AccountingCounterName): number {
    return this.values.get(name) ?? 0;
  }

  /** Flat, prefixed (`acct_received`), for the stats log line. */
  snapshot(prefix = 'acct_'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.values) out[`${prefix}${k}`] = v;
    return out;
  }
}
