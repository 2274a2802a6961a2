/**
 * Windowed counters with limits, the storage under the SMS budgets (sms-budget.ts). Three
 * implementations share this contract: MemoryCounterStore below, SmsBudgetRepo (SQLite, survives a
 * restart: src/store/sms-budget-repo.ts), and later one on Redis for several nodes (a Lua script
 * doing the same check-then-INCR with `EXPIRE … NX`). Nothing here names a storage type.
 */

export interface CounterSpec {
  /** What is counted: `user_hour`, `total_day`, … */
  readonly name: string;
  /** Whose: an identity, a client name, a region; '' for the total. */
  readonly subject: string;
  /** The fixed window the count belongs to, in Clock milliseconds: [start, end). */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The count may reach this, never exceed it. */
  readonly limit: number;
}

export type CounterOutcome =
  | { readonly ok: true }
  /** Indexes (into the specs given) of every counter already at its limit. */
  | { readonly ok: false; readonly full: readonly number[] };

export interface CounterStore {
  /**
   * All or nothing, atomically with respect to every other call: if each counter is below its
   * limit, adds one to each; otherwise changes nothing. Counters whose window ended at or before
   * `now` are forgotten.
   */
  tryIncrementAll(counters: readonly CounterSpec[], now: number): CounterOutcome | Promise<CounterOutcome>;
  /** Takes one off each counter that still exists and is above zero (a refund). */
  decrementAll(counters: readonly CounterSpec[]): void | Promise<void>;
}

const keyOf = (c: CounterSpec): string => `${c.name}\u0000${c.subject}\u0000${c.windowStart}`;

/**
 * One process's counters in a Map: lost on restart, so a crash loop resets the day's budget (use
 * the SQLite store in production). Memory is bounded: an entry is made only by a send the limits
 * allowed, so there are at most `counters per send × total.day` live entries, and entries are
 * dropped once their window has ended (swept at most once per `sweepEveryMs` of Clock time).
 */
export class MemoryCounterStore implements CounterStore {
  private readonly counts = new Map<string, { count: number; readonly windowEnd: number }>();
  private nextSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly sweepEveryMs = 60_000) {}

  /** Live entries (tests check the bound). */
  get size(): number {
    return this.counts.size;
  }

  tryIncrementAll(counters: readonly CounterSpec[], now: number): CounterOutcome {
    this.sweep(now);
    // Synchronous from check to update: no other call can interleave (one event loop).
    const full: number[] = [];
    counters.forEach((c, i) => {
      const entry = this.counts.get(keyOf(c));
      const count = entry !== undefined && entry.windowEnd > now ? entry.count : 0;
      if (count >= c.limit) full.push(i);
    });
    if (full.length > 0) return { ok: false, full };
    for (const c of counters) {
      const k = keyOf(c);
      const entry = this.counts.get(k);
      if (entry !== undefined && entry.windowEnd > now) entry.count += 1;
      else this.counts.set(k, { count: 1, windowEnd: c.windowEnd });
    }
    return { ok: true };
  }

  decrementAll(counters: readonly CounterSpec[]): void {
    for (const c of counters) {
      const entry = this.counts.get(keyOf(c));
      if (entry !== undefined && entry.count > 0) entry.count -= 1;
    }
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.sweepEveryMs;
    for (const [k, e] of this.counts) if (e.windowEnd <= now) this.counts.delete(k);
  }
}
