import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { type Migration, migrations as allMigrations } from './migrations.js';

/** The only file that imports better-sqlite3; repositories use this type. */
export type Database = SQLite.Database;

export const DB_FILE = 'mfa.db';

/**
 * Opens (creating if needed) `<dataDir>/mfa.db` and brings its schema up to date.
 * Durability: WAL + synchronous=FULL fsyncs the WAL on every commit, so a committed enrolment
 * survives a process kill and a power cut (https://sqlite.org/pragma.html#pragma_synchronous).
 * `synchronous: 'NORMAL'` is for the RADIUS server's own connection: its writes (used TOTP steps,
 * failure counts) happen on the event loop at login rate, and an fsync per login would stall every
 * other request whenever the disk is slow. Those writes survive a process crash; a power cut may
 * lose the last ones (a code could be replayed within its 30-90 s window). Enrolments are written by
 * the CLI on a FULL connection: a commit there fsyncs the whole WAL.
 */
export function openDatabase(
  dataDir: string,
  migrations: readonly Migration[] = allMigrations,
  opts: { readonly synchronous?: 'FULL' | 'NORMAL' } = {},
): Database {
  // Holds password hashes and sealed TOTP seeds: owner only.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, DB_FILE);
  precreatePrivate(file);
  let db: Database;
  try {
    db = new SQLite(file, { timeout: 5000 });
  } catch (cause) {
    throw new AppError(ErrorCodes.STORE, `cannot open database ${file}`, { file }, { cause });
  }
  try {
    // busy_timeout first: the pragmas below may wait for another process (the CLI, a running server).
    db.pragma('busy_timeout = 5000');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') {
      throw new AppError(ErrorCodes.STORE, `database ${file} refused WAL mode (got ${String(mode)})`, {
        file,
      });
    }
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db, file, migrations);
    cacheStatements(db);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof AppError) throw e;
    throw new AppError(ErrorCodes.STORE, `cannot initialise database ${file}`, { file }, { cause: e });
  }
}

/**
 * SQLite creates the -wal and -shm files with the main file's permissions, so creating the main
 * file as 0600 first keeps all three private whatever the umask.
 */
function precreatePrivate(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError(ErrorCodes.STORE, `cannot create database ${file}`, { file }, { cause: e });
    }
  }
}

function migrate(db: Database, file: string, migrations: readonly Migration[]): void {
  const known = migrations.at(-1)?.version ?? 0;
  // IMMEDIATE takes the write lock before reading the version: two processes starting together
  // (serve and the CLI) cannot both apply the same migration.
  const run = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
    const current = row?.v ?? 0;
    if (current > known) {
      throw new AppError(
        ErrorCodes.STORE,
        `database ${file} has schema version ${current} but this program knows only up to ${known}; ` +
          'it was written by a newer release: upgrade the program or restore a matching backup',
        { file, current, known },
      );
    }
    const record = db.prepare<[number, number]>(
      'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
    );
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, Date.now());
    }
  });
  run.immediate();
}

/** The highest migration applied to an open database. */
export function schemaVersion(db: Database): number {
  const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

/**
 * Compiles each SQL text once: the repos call `db.prepare(sql)` per operation, and compiling costs
 * tens of µs on the event loop at login rate. Safe because no statement is ever left mid-iteration
 * (the repos use get/all/run only); the set of SQL texts is fixed by the code, so the cache is bounded.
 */
function cacheStatements(db: Database): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof compile>>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = compile(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
}
