import type { Database } from './database.js';

/** One windowed counter with its limit (the shape of CounterSpec in src/sms/budget-counters.ts). */
export interface BudgetCounter {
  readonly name: string;
  readonly subject: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly limit: number;
}

export type BudgetCounterOutcome = { readonly ok: true } | { readonly ok: false; readonly full: number[] };

/**
 * The SMS budget counters in SQLite, so a restart (or a crash loop an attacker provokes) does not
 * hand out a fresh day's budget. Satisfies the CounterStore contract of src/sms/budget-counters.ts.
 *
 * Atomic: the check and the increments run in one IMMEDIATE transaction. better-sqlite3 is
 * synchronous, so within the process nothing interleaves; the write lock taken at BEGIN IMMEDIATE
 * serialises it against another process on the same database.
 */
export class SmsBudgetRepo {
  constructor(private readonly db: Database) {}

  tryIncrementAll(counters: readonly BudgetCounter[], now: number): BudgetCounterOutcome {
    const tx = this.db.transaction((): BudgetCounterOutcome => {
      // Indexed on window_end: finding nothing to delete is one index probe.
      this.db.prepare<[number]>('DELETE FROM sms_budget_counters WHERE window_end <= ?').run(now);
      const read = this.db.prepare<[string, string, number], { count: number }>(
        'SELECT count FROM sms_budget_counters WHERE name = ? AND subject = ? AND window_start = ?',
      );
      const full: number[] = [];
      counters.forEach((c, i) => {
        const count = read.get(c.name, c.subject, c.windowStart)?.count ?? 0;
        if (count >= c.limit) full.push(i);
      });
      if (full.length > 0) return { ok: false, full };
      const bump = this.db.prepare<[string, string, number, number]>(
        `INSERT INTO sms_budget_counters (name, subject, window_start, window_end, count)
         VALUES (?, ?, ?, ?, 1)
         ON CONFLICT (name, subject, window_start) DO UPDATE SET count = count + 1`,
      );
      for (const c of counters) bump.run(c.name, c.subject, c.windowStart, c.windowEnd);
      return { ok: true };
    });
    return tx.immediate();
  }

  decrementAll(counters: readonly BudgetCounter[]): void {
    const tx = this.db.transaction(() => {
      const drop = this.db.prepare<[string, string, number]>(
        `UPDATE sms_budget_counters SET count = count - 1
         WHERE name = ? AND subject = ? AND window_start = ? AND count > 0`,
      );
      for (const c of counters) drop.run(c.name, c.subject, c.windowStart);
    });
    tx.immediate();
  }

  /** The stored count of one counter (for the CLI and tests); ended windows go at the next tryIncrementAll. */
  count(name: string, subject: string, windowStart: number): number {
    return (
      this.db
        .prepare<[string, string, number], { count: number }>(
          'SELECT count FROM sms_budget_counters WHERE name = ? AND subject = ? AND window_start = ?',
        )
        .get(name, subject, windowStart)?.count ?? 0
    );
  }

  /** Rows held (tests check that ended windows are deleted). */
  rows(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sms_budget_counters').get()!.n;
  }
}
