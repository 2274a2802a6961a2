import { performance } from 'node:perf_hooks';
import type { Database } from './database.js';

/**
 * The TOTP rows of recently seen identities, exactly as stored: seeds still sealed (AES-256-GCM),
 * so the cache holds nothing the database file does not. A TOTP login reads its identity's rows
 * twice (isEnrolled, then verify), and re-running the SELECT cost more than the rest of the read.
 *
 * Another connection's commit (the CLI enrolling or removing a token, another server claiming a
 * step) empties the cache: `PRAGMA data_version` changes exactly then
 * (https://sqlite.org/pragma.html#pragma_data_version). Reading it costs as much as the SELECT it
 * saves (2-3 µs through better-sqlite3), so, as in lockout-index.ts, it is read at most once per
 * `refreshMs` (100 ms): a token the CLI removed stops working within 100 ms of its commit, less
 * than the CLI takes to start. This connection's own writes do not change data_version: the
 * repository reports them here instead. The replay guard never trusts the cached last step: a
 * claim is still the conditional UPDATE, which another process's claim makes fail.
 */
export class SealedRowCache<Row extends { readonly id: number }> {
  private rows = new Map<string, readonly Row[]>();
  private byId = new Map<number, Row>();
  private version = Number.NaN;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly refreshMs = 100,
    private readonly now: () => number = () => performance.now(),
    /** Bounds memory when many distinct names are looked up (each is one small entry). */
    private readonly maxEntries = 65_536,
  ) {}

  /** The identity's rows, from the cache while the database has not changed, else `load()`. */
  get(identity: string, load: () => Row[]): readonly Row[] {
    const t = this.now();
    if (t - this.checkedAt >= this.refreshMs) {
      this.checkedAt = t;
      const v = this.db.prepare<[], { data_version: number }>('PRAGMA data_version').get()!.data_version;
      if (v !== this.version) {
        this.version = v;
        this.clear();
      }
    }
    let rows = this.rows.get(identity);
    if (rows === undefined) {
      rows = load();
      if (this.rows.size >= this.maxEntries) this.clear();
      this.rows.set(identity, rows);
      for (const r of rows) this.byId.set(r.id, r);
    }
    return rows;
  }

  /** A cached row by token id (to note this connection's own claim in it), if cached. */
  row(id: number): Row | undefined {
    return this.byId.get(id);
  }

  /** This connection changed rows in a way the cache cannot follow (add, remove, reset). */
  clear(): void {
    this.rows = new Map();
    this.byId = new Map();
  }
}
