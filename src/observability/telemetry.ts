import type { AuthRecord, DropRecord, RadiusObserver } from './radius-observer.js';

/**
 * What the admin pages show of the RADIUS traffic, kept in memory from the observer hook. Every
 * call on the RADIUS path is O(1) and allocates nothing but a map entry for a client, reason,
 * cause or source seen for the first time. Memory is bounded by construction:
 * - per-minute buckets: 1440 minutes × (1 stamp + 3 results), about 29 KB, typed arrays;
 * - counts by client (at most MAX_KEYS clients, then `(other)`), each with its reasons;
 * - rejects by reason, drops by cause and by source: at most MAX_KEYS keys each, then `(other)`;
 * - a latency histogram of LATENCY_BOUNDS.length + 1 counters;
 * - a ring of the last `recentEvents` auth records (the objects the server made: no copy).
 * Counts start at process start (a restart empties them, as the `stats` event's counters).
 */

export const MINUTES = 24 * 60;
const MINUTE_MS = 60_000;
/** Upper bounds in ms of the latency histogram's buckets; the last bucket is everything above. */
export const LATENCY_BOUNDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000] as const;
export const MAX_KEYS = 256;
export const OTHER = '(other)';

const RESULTS = ['accept', 'reject', 'challenge'] as const;
export type AuthResult = (typeof RESULTS)[number];
const RESULT_INDEX: Readonly<Record<AuthResult, number>> = { accept: 0, reject: 1, challenge: 2 };

export interface ClientCounts {
  accept: number;
  reject: number;
  challenge: number;
  readonly reasons: Map<string, number>;
}

export interface MinutePoint {
  /** The minute's start, epoch ms. */
  readonly at: number;
  readonly accept: number;
  readonly reject: number;
  readonly challenge: number;
}

export interface EventQuery {
  /** Substring of the User-Name or the identity, case-insensitive. */
  readonly user?: string;
  /** The client's name, exactly (case-insensitive). */
  readonly client?: string;
  /** A correlation id, exactly (ids are `<prefix>-<n>`: a prefix would match -1, -10, -11...). */
  readonly correlationId?: string;
  readonly limit?: number;
}

/** Adds one to `key` in `m`, folding new keys beyond MAX_KEYS into `(other)`. */
function bump(m: Map<string, number>, key: string): void {
  const n = m.get(key);
  if (n !== undefined) m.set(key, n + 1);
  else if (m.size < MAX_KEYS) m.set(key, 1);
  else m.set(OTHER, (m.get(OTHER) ?? 0) + 1);
}

export class Telemetry implements RadiusObserver {
  /** The minute number (epoch ms / 60000) each slot holds; -1: never used. */
  private readonly stamps = new Float64Array(MINUTES).fill(-1);
  private readonly buckets = new Uint32Array(MINUTES * 3);
  private readonly latency = new Float64Array(LATENCY_BOUNDS.length + 1);
  private latencyMax = 0;
  private readonly clients = new Map<string, ClientCounts>();
  private readonly rejectReasons = new Map<string, number>();
  private readonly dropCauses = new Map<string, number>();
  private readonly dropSources = new Map<string, number>();
  private readonly ring: Array<AuthRecord | undefined>;
  private next = 0;
  private total = 0;
  private drops = 0;

  constructor(readonly recentEvents = 2000) {
    this.ring = new Array<AuthRecord | undefined>(recentEvents).fill(undefined);
  }

  onAuth(r: AuthRecord): void {
    this.total++;
    const minute = Math.floor(r.at / MINUTE_MS);
    const slot = minute % MINUTES;
    if (this.stamps[slot] !== minute) {
      // Rollover: this slot last held a minute 24 h (or more) ago.
      this.stamps[slot] = minute;
      this.buckets.fill(0, slot * 3, slot * 3 + 3);
    }
    const ri = RESULT_INDEX[r.result] ?? 1;
    this.buckets[slot * 3 + ri]! += 1;

    let c = this.clients.get(r.client);
    if (c === undefined) {
      const key = this.clients.size < MAX_KEYS ? r.client : OTHER;
      c = this.clients.get(key);
      if (c === undefined) {
        c = { accept: 0, reject: 0, challenge: 0, reasons: new Map() };
        this.clients.set(key, c);
      }
    }
    c[RESULTS[ri]!]++;
    bump(c.reasons, r.reason);
    if (r.result === 'reject') bump(this.rejectReasons, r.reason);

    let b = 0;
    while (b < LATENCY_BOUNDS.length && r.latencyMs > LATENCY_BOUNDS[b]!) b++;
    this.latency[b]! += 1;
    if (r.latencyMs > this.latencyMax) this.latencyMax = r.latencyMs;

    if (this.ring.length > 0) {
      this.ring[this.next] = r;
      this.next = (this.next + 1) % this.ring.length;
    }
  }

  onDrop(d: DropRecord): void {
    this.drops++;
    bump(this.dropCauses, d.cause);
    // The address without the port: one gateway retrying from new ports is one source.
    bump(this.dropSources, hostOf(d.src));
  }

  get answered(): number {
    return this.total;
  }

  get dropped(): number {
    return this.drops;
  }

  /** The last 24 h, one point per minute, oldest first, ending with the minute of `now`. */
  perMinute(now: number): MinutePoint[] {
    const last = Math.floor(now / MINUTE_MS);
    const out: MinutePoint[] = [];
    for (let m = last - MINUTES + 1; m <= last; m++) {
      const slot = ((m % MINUTES) + MINUTES) % MINUTES;
      const live = this.stamps[slot] === m;
      out.push({
        at: m * MINUTE_MS,
        accept: live ? this.buckets[slot * 3]! : 0,
        reject: live ? this.buckets[slot * 3 + 1]! : 0,
        challenge: live ? this.buckets[slot * 3 + 2]! : 0,
      });
    }
    return out;
  }

  byClient(): Array<{ client: string } & ClientCounts> {
    return [...this.clients]
      .map(([client, c]) => ({ client, ...c }))
      .sort((a, b) => (a.client < b.client ? -1 : 1));
  }

  rejectsByReason(): Array<[string, number]> {
    return sortedDesc(this.rejectReasons);
  }

  dropsByCause(): Array<[string, number]> {
    return sortedDesc(this.dropCauses);
  }

  dropsBySource(): Array<[string, number]> {
    return sortedDesc(this.dropSources);
  }

  /** Latency percentiles (ms), from the histogram: the upper bound of the bucket holding the rank. */
  latencyPercentiles(ps: readonly number[] = [50, 90, 99]): Array<{ p: number; ms: number | undefined }> {
    const n = this.latency.reduce((a, b) => a + b, 0);
    return ps.map((p) => {
      if (n === 0) return { p, ms: undefined };
      const rank = Math.ceil((p / 100) * n);
      let seen = 0;
      for (let i = 0; i < this.latency.length; i++) {
        seen += this.latency[i]!;
        // Never above the largest latency seen: a bucket's bound may be.
        if (seen >= rank) return { p, ms: Math.min(LATENCY_BOUNDS[i] ?? this.latencyMax, this.latencyMax) };
      }
      return { p, ms: this.latencyMax };
    });
  }

  latencyHistogram(): Array<{ le: number | '+Inf'; count: number }> {
    return [...this.latency].map((count, i) => ({ le: LATENCY_BOUNDS[i] ?? '+Inf', count }));
  }

  get maxLatencyMs(): number {
    return this.latencyMax;
  }

  /** Recent events, newest first, that match every given field. */
  recent(q: EventQuery = {}): AuthRecord[] {
    const user = q.user?.trim().toLowerCase() || undefined;
    const client = q.client?.trim().toLowerCase() || undefined;
    const corr = q.correlationId?.trim() || undefined;
    const limit = q.limit ?? 200;
    const out: AuthRecord[] = [];
    const n = this.ring.length;
    for (let i = 1; i <= n && out.length < limit; i++) {
      const r = this.ring[(this.next - i + n) % n];
      if (r === undefined) break;
      if (client !== undefined && r.client.toLowerCase() !== client) continue;
      if (corr !== undefined && r.correlationId !== corr) continue;
      if (
        user !== undefined &&
        !(r.user?.toLowerCase().includes(user) || r.identity?.toLowerCase().includes(user))
      )
        continue;
      out.push(r);
    }
    return out;
  }
}

function sortedDesc(m: Map<string, number>): Array<[string, number]> {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** `10.0.0.1:5000` → `10.0.0.1`; `[::1]:5000` or `::1:5000` style kept as the part before the port. */
function hostOf(src: string): string {
  if (src.startsWith('[')) {
    const end = src.indexOf(']');
    return end > 0 ? src.slice(1, end) : src;
  }
  const colon = src.lastIndexOf(':');
  // An IPv4 address with a port has exactly one colon; an IPv6 address without brackets has more.
  return colon > 0 && src.indexOf(':') === colon ? src.slice(0, colon) : src;
}
