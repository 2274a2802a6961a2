import { performance } from 'node:perf_hooks';
import type { Database } from './database.js';

/**
 * Which identities have any lockout state at all: a lock row or a recorded failure. Every login reads
 * the lock (before the primary check) and clears the failures (after a success); nearly all have
 * neither, so this in-memory index lets them skip both queries, two SQLite statements per request.
 *
 * It may say "maybe" for an identity with nothing (a failure that has aged out, a lock the CLI just
 * cleared): the caller then reads the DB, which decides. It must never say "no" for an identity that
 * has state, so it is rebuilt whenever another connection has committed (the CLI, another process on
 * the same DB), which `PRAGMA data_version` tells at the cost of one pragma per `refreshMs`
 * (https://sqlite.org/pragma.html#pragma_data_version). This connection's own writes go through
 * `note*` and do not change data_version.
 */
export class LockoutIndex {
  private readonly locks = new Set<string>();
  private readonly failures = new Set<string>();
  private version = Number.NaN;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly refreshMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  mayBeLocked(identity: string): boolean {
    this.refresh();
    return this.locks.has(identity);
  }

  mayHaveFailures(identity: string): boolean {
    this.refresh();
    return this.failures.has(identity);
  }

  noteFailure(identity: string): void {
    this.failures.add(identity);
  }

  noteLock(identity: string): void {
    this.locks.add(identity);
    this.failures.delete(identity);
  }

  noteNoFailures(identity: string): void {
    this.failures.delete(identity);
  }

  noteNoLock(identity: string): void {
    this.locks.delete(identity);
  }

  /** Forces a rebuild at the next look-up (tests; after an admin unlock by this connection). */
  invalidate(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
    this.version = Number.NaN;
  }

  private refresh(): void {
    const t = this.now();
    if (t - this.checkedAt < this.refreshMs) return;
    this.checkedAt = t;
    const v = this.db.pragma('data_version', { simple: true }) as number;
    if (v === this.version) return;
    this.version = v;
    this.locks.clear();
    this.failures.clear();
    for (const r of this.db.prepare<[], { identity: string }>('SELECT identity FROM lockouts').all())
      this.locks.add(r.identity);
    for (const r of this.db
      .prepare<[], { identity: string }>('SELECT DISTINCT identity FROM auth_failures')
      .all())
      this.failures.add(r.identity);
  }
}
