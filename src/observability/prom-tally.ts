import { Reasons } from '../pipeline/reasons.js';
import type { AuthRecord, DropRecord, RadiusObserver } from './radius-observer.js';

/**
 * The RADIUS side of /metrics: what the observer hook counts, kept as plain numbers so that the
 * per-request cost is a few Map look-ups and additions (no label hashing, no allocation once a
 * series exists). prom-client reads these at scrape time (prom-metrics.ts).
 *
 * Label sets are bounded by the code and the config, never by the traffic: a reason is one of
 * the catalogue's codes (else `other`), a client is a configured name (beyond `maxClients`
 * distinct names, `other`), a drop cause is one the server counts (else `other`). User names are
 * never a label.
 */

/** Seconds: 1 ms (a cached reject) to 30 s (a login held for an SMS reply or a push). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30,
];

export const RESULTS = ['accept', 'reject', 'challenge'] as const;
export type ResultLabel = (typeof RESULTS)[number];

/** The drop causes the listeners report (counter names without `dropped_`, both ports). */
export const DROP_CAUSES: readonly string[] = [
  'unknown_client',
  'malformed',
  'unexpected_code',
  'missing_message_authenticator',
  'bad_message_authenticator',
  'bad_authenticator',
  'bad_password_encoding',
  'reply_too_long',
];

export const OTHER = 'other';
const KNOWN_REASONS: ReadonlySet<string> = new Set(Object.values(Reasons));
const KNOWN_CAUSES: ReadonlySet<string> = new Set(DROP_CAUSES);

/** Cumulative-on-read latency histogram: counts per bucket (the last one is +Inf), sum, count. */
export class LatencyTally {
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    this.buckets[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/** One client's tallies: answered requests per result and reason, latency per result. */
export class ClientTally {
  readonly byReason: ReadonlyArray<Map<string, { n: number }>> = RESULTS.map(() => new Map());
  readonly latency: readonly LatencyTally[] = RESULTS.map(() => new LatencyTally());
}

export interface RadiusTallyOptions {
  /** Distinct client labels kept; later ones are counted under `other`. Default 500. */
  readonly maxClients?: number;
}

export class RadiusTally implements RadiusObserver {
  readonly clients = new Map<string, ClientTally>();
  readonly drops = new Map<string, { n: number }>();
  private readonly maxClients: number;

  constructor(opts: RadiusTallyOptions = {}) {
    this.maxClients = opts.maxClients ?? 500;
  }

  onAuth(r: AuthRecord): void {
    const i = r.result === 'accept' ? 0 : r.result === 'reject' ? 1 : 2;
    const t = this.clients.get(r.client) ?? this.addClient(r.client);
    const reasons = t.byReason[i]!;
    const cell = reasons.get(r.reason);
    if (cell) cell.n++;
    else {
      const reason = KNOWN_REASONS.has(r.reason) ? r.reason : OTHER;
      const other = reasons.get(reason);
      if (other) other.n++;
      else reasons.set(reason, { n: 1 });
    }
    // A negative or non-finite latency (a clock step) would corrupt the sum: count it as 0.
    t.latency[i]!.observe(r.latencyMs > 0 && Number.isFinite(r.latencyMs) ? r.latencyMs / 1000 : 0);
  }

  onDrop(d: DropRecord): void {
    const key = KNOWN_CAUSES.has(d.cause) ? d.cause : OTHER;
    const cell = this.drops.get(key);
    if (cell) cell.n++;
    else this.drops.set(key, { n: 1 });
  }

  private addClient(name: string): ClientTally {
    const label = this.clients.size >= this.maxClients ? OTHER : name;
    let t = this.clients.get(label);
    if (!t) {
      t = new ClientTally();
      this.clients.set(label, t);
    }
    return t;
  }
}
