import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import { openDatabase, schemaVersion } from '../../../src/store/database.js';
import { migrations } from '../../../src/store/migrations.js';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'store-db-'));
let n = 0;
const freshDir = (): string => join(root, `d${n++}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function appError(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('openDatabase', () => {
  it('creates a private data dir and DB with WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const dir = freshDir();
    const db = openDatabase(dir);
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, 'mfa.db')).mode & 0o777).toBe(0o600);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    } finally {
      db.close();
    }
  });

  it('keeps the DB, its WAL and shared-memory files private whatever the umask', () => {
    const dir = freshDir();
    const old = process.umask(0o022);
    try {
      const store = Store.open(dir);
      store.users.add('alice', 'hash');
      for (const f of ['mfa.db', 'mfa.db-wal', 'mfa.db-shm', 'secret.key']) {
        expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
      }
      store.close();
    } finally {
      process.umask(old);
    }
  });

  it('migrations are ordered and idempotent: reopening applies nothing twice and keeps data', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const dir = freshDir();
    const s1 = Store.open(dir);
    s1.users.add('alice', 'hash');
    s1.close();
    for (let i = 0; i < 3; i++) Store.open(dir).close();
    const db = openDatabase(dir);
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    db.close();
    expect(rows).toEqual(versions.map((version) => ({ version })));
    const s2 = Store.open(dir);
    expect(s2.users.get('alice')?.passwordHash).toBe('hash');
    s2.close();
  });

  it('applies only the missing migrations to an older database', () => {
    const dir = freshDir();
    const extra = [...migrations, { version: 1000, sql: 'CREATE TABLE later_feature (x INTEGER) STRICT;' }];
    openDatabase(dir).close();
    const db = openDatabase(dir, extra);
    expect(schemaVersion(db)).toBe(1000);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'later_feature'").get()).toBeDefined();
    db.close();
  });

  it('refuses a database written by a newer release, with a clear STORE error', async () => {
    const dir = freshDir();
    const db = openDatabase(dir);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999999, 0)').run();
    db.close();
    const e = await appError(() => openDatabase(dir));
    expect(e.code).toBe(ErrorCodes.STORE);
    expect(e.message).toMatch(/schema version 999999.*newer release/);
  });

  it('rolls a failing migration back entirely', async () => {
    const dir = freshDir();
    openDatabase(dir).close();
    const broken = [
      ...migrations,
      { version: 2000, sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM nowhere;' },
    ];
    expect((await appError(() => openDatabase(dir, broken))).code).toBe(ErrorCodes.STORE);
    const db = openDatabase(dir);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });
});

describe('Store and its key', () => {
  it('creates secret.key 0600 next to the DB', () => {
    const dir = freshDir();
    Store.open(dir).close();
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('refuses to start when the key file is lost, instead of silently creating a new key', async () => {
    const dir = freshDir();
    Store.open(dir).close();
    rmSync(join(dir, 'secret.key'));
    const e = await appError(() => Store.open(dir));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toContain(join(dir, 'secret.key'));
  });

  it('refuses a key file from another installation', async () => {
    const a = freshDir();
    const b = freshDir();
    Store.open(a).close();
    Store.open(b).close();
    copyFileSync(join(b, 'secret.key'), join(a, 'secret.key'));
    const e = await appError(() => Store.open(a));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toMatch(/does not belong to the database/);
  });

  it('refuses a world-readable key file with the chmod fix in the message', async () => {
    const dir = freshDir();
    Store.open(dir).close();
    chmodSync(join(dir, 'secret.key'), 0o644);
    const e = await appError(() => Store.open(dir));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toContain(`chmod 600 ${join(dir, 'secret.key')}`);
  });
});
