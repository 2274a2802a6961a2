import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';
import { LockoutIndex } from './lockout-index.js';

export interface LockRecord {
  readonly identityId: string;
  readonly lockedAt: number;
  readonly until: number;
  readonly failures: number;
}

interface LockRow {
  identity: string;
  locked_at: number;
  locked_until: number;
  failures: number;
}

const toLock = (r: LockRow): LockRecord => ({
  identityId: r.identity,
  lockedAt: r.locked_at,
  until: r.locked_until,
  failures: r.failures,
});

/**
 * Failure history and locks, in the DB because the CLI (another process) must see and clear
 * them. All times are Clock milliseconds. Policy (how many, how long) lives in factors/lockout.ts.
 */
export class LockoutRepo {
  /** Lets the many logins with no lockout state skip the DB (lockout-index.ts). */
  private readonly index: LockoutIndex;

  constructor(
    private readonly db: Database,
    index?: LockoutIndex,
  ) {
    this.index = index ?? new LockoutIndex(db);
  }

  /**
   * Records a failure at `at` and returns how many failures the identity has after `since`
   * (exclusive), in one write transaction. Rows at or before `since` are pruned here (for all
   * identities), so the table never grows beyond one window of failures.
   */
  recordFailure(identityId: string, at: number, since: number): number {
    const identity = identityKey(identityId);
    const tx = this.db.transaction((): number => {
      this.db.prepare<[number]>('DELETE FROM auth_failures WHERE at <= ?').run(since);
      this.db
        .prepare<[string, number]>('INSERT INTO auth_failures (identity, at) VALUES (?, ?)')
        .run(identity, at);
      return this.countSince(identity, since);
    });
    const n = tx.immediate();
    this.index.noteFailure(identity);
    return n;
  }

  /** Failures after `since`; no query for the many identities with none (lockout-index.ts). */
  failuresSince(identityId: string, since: number): number {
    const identity = identityKey(identityId);
    if (!this.index.mayHaveFailures(identity)) return 0;
    return this.countSince(identity, since);
  }

  countSince(identityId: string, since: number): number {
    return this.db
      .prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM auth_failures WHERE identity = ? AND at > ?',
      )
      .get(identityKey(identityId), since)!.n;
  }

  /** Locks until `until` and starts the failure count afresh, so the count after expiry begins at zero. */
  lock(identityId: string, at: number, until: number, failures: number): void {
    const identity = identityKey(identityId);
    const tx = this.db.transaction(() => {
      this.db
        .prepare<[string, number, number, number]>(
          `INSERT INTO lockouts (identity, locked_at, locked_until, failures) VALUES (?, ?, ?, ?)
           ON CONFLICT (identity) DO UPDATE SET
             locked_at = excluded.locked_at, locked_until = excluded.locked_until, failures = excluded.failures`,
        )
        .run(identity, at, until, failures);
      this.db.prepare<[string]>('DELETE FROM auth_failures WHERE identity = ?').run(identity);
    });
    tx.immediate();
    this.index.noteLock(identity);
  }

  /** The identity's lock record, expired or not (callers compare `until` with their clock). */
  getLock(identityId: string): LockRecord | undefined {
    const identity = identityKey(identityId);
    if (!this.index.mayBeLocked(identity)) return undefined;
    const row = this.db
      .prepare<[string], LockRow>(
        'SELECT identity, locked_at, locked_until, failures FROM lockouts WHERE identity = ?',
      )
      .get(identity);
    if (!row) this.index.noteNoLock(identity);
    return row ? toLock(row) : undefined;
  }

  /** Locks still in force at `now`; expired rows are deleted on the way. */
  listLocked(now: number): LockRecord[] {
    this.db.prepare<[number]>('DELETE FROM lockouts WHERE locked_until <= ?').run(now);
    return this.db
      .prepare<[number], LockRow>(
        'SELECT identity, locked_at, locked_until, failures FROM lockouts WHERE locked_until > ? ORDER BY identity',
      )
      .all(now)
      .map(toLock);
  }

  /** Forgets the failures only (a successful login). */
  clearFailures(identityId: string): void {
    const identity = identityKey(identityId);
    if (!this.index.mayHaveFailures(identity)) return;
    // Read first: a failure may have aged out (and been pruned), and a write transaction costs more.
    const any = this.db
      .prepare<[string], { x: number }>('SELECT 1 AS x FROM auth_failures WHERE identity = ? LIMIT 1')
      .get(identity);
    if (any) this.db.prepare<[string]>('DELETE FROM auth_failures WHERE identity = ?').run(identity);
    this.index.noteNoFailures(identity);
  }

  /** Forgets the lock and the failures (admin unlock). */
  clear(identityId: string): void {
    const identity = identityKey(identityId);
    const tx = this.db.transaction(() => {
      this.db.prepare<[string]>('DELETE FROM lockouts WHERE identity = ?').run(identity);
      this.db.prepare<[string]>('DELETE FROM auth_failures WHERE identity = ?').run(identity);
    });
    tx.immediate();
    this.index.noteNoLock(identity);
    this.index.noteNoFailures(identity);
  }
}
