/**
 * Upstream RADIUS counters, summed over every server: every dropped answer is counted by cause, so
 * a wrong secret, a stripped Message-Authenticator or a forgery shows up in the `stats` log line.
 */
export const upstreamCounterNames = [
  /** First transmissions of a request. */
  'sent',
  'retransmitted',
  /** Verified answers matched to a request. */
  'answered',
  /** Requests given up on one server after its retries. */
  'timeouts',
  /** Requests retried once on the next server after a timeout. */
  'failover_retries',
  /** Requests refused because every server was dead. */
  'no_server',
  /** Requests refused because all Identifiers of all sockets were outstanding. */
  'no_identifier',
  /** Requests not sent: over 4096 octets with our Proxy-State and Message-Authenticator added. */
  'request_too_large',
  /** Requests ended early by an authentic answer without a required Message-Authenticator. */
  'refused_unsigned',
  /** Answers accepted without a Message-Authenticator (require_message_authenticator false, or auto not yet learned). */
  'accepted_unsigned',
  'dropped_malformed',
  /** No request outstanding with that Identifier on that socket. */
  'dropped_unmatched',
  /** An answer to an earlier request whose Identifier has been reused since. */
  'dropped_late',
  'dropped_unexpected_code',
  'dropped_bad_authenticator',
  'dropped_missing_message_authenticator',
  'dropped_bad_message_authenticator',
  'probes_sent',
  'probes_answered',
  'marked_dead',
  'marked_alive',
] as const;

export type UpstreamCounterName = (typeof upstreamCounterNames)[number];

export class UpstreamCounters {
  private readonly values: Record<UpstreamCounterName, number>;

  constructor() {
    this.values = Object.fromEntries(upstreamCounterNames.map((n) => [n, 0])) as Record<
      UpstreamCounterName,
      number
    >;
  }

  inc(name: UpstreamCounterName, by = 1): void {
    this.values[name] += by;
  }

  get(name: UpstreamCounterName): number {
    return this.values[name];
  }

  /** Flat, prefixed (`upstream_sent`), for the stats log line. */
  snapshot(prefix = 'upstream_'): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of upstreamCounterNames) out[`${prefix}${n}`] = this.values[n];
    return out;
  }
}
