import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import { Store } from '../../../src/store/store.js';

const A = Buffer.from('a'.repeat(20));
const B = Buffer.from('b'.repeat(20));
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'admin-repo-'));
  store = Store.open(dir, { clock: new ManualClock(1_700_000_000_000) });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof AppError ? e.code : String(e);
  }
};

describe('AdminRepo (migration 6)', () => {
  it('adds, lists (no hash, no seed), finds case-insensitively, removes', () => {
    store.admins.add('Root', 'scrypt$hash', A);
    expect(store.admins.list()).toEqual([{ id: 1, name: 'Root', createdAt: 1_700_000_000_000 }]);
    expect(store.admins.credentials('root')).toMatchObject({
      name: 'Root',
      passwordHash: 'scrypt$hash',
      lastStep: null,
    });
    expect(store.admins.credentials('ROOT')?.totpSecret.equals(A)).toBe(true);
    expect(codeOf(() => store.admins.add('root', 'x', B))).toBe(ErrorCodes.ADMIN_EXISTS);
    expect(store.admins.exists('rOOt')).toBe(true);
    expect(store.admins.remove('root')).toBe(true);
    expect(store.admins.exists('root')).toBe(false);
    expect(codeOf(() => store.admins.setPassword('root', 'x'))).toBe(ErrorCodes.ADMIN_NOT_FOUND);
  });

  it('refuses names that are empty, odd or long', () => {
    for (const bad of ['', ' root', 'a b', 'x'.repeat(65), '-x', 'ro\not'])
      expect(
        codeOf(() => store.admins.add(bad, 'h', A)),
        JSON.stringify(bad),
      ).toBe(ErrorCodes.USAGE);
  });

  it('keeps the seed sealed at rest, bound to its account: copied to another admin it does not open', () => {
    store.admins.add('root', 'h', A);
    store.admins.add('ops', 'h', B);
    const raw = readFileSync(join(dir, 'mfa.db'));
    expect(raw.includes(A)).toBe(false);
    const db = new SQLite(join(dir, 'mfa.db'));
    db.prepare(
      "UPDATE admin_accounts SET totp_sealed = (SELECT totp_sealed FROM admin_accounts WHERE name_key = 'root') WHERE name_key = 'ops'",
    ).run();
    db.close();
    expect(codeOf(() => store.admins.credentials('ops'))).toBe(ErrorCodes.STORE);
  });

  it('claims each TOTP step once, never an older one', () => {
    const { id } = store.admins.add('root', 'h', A);
    expect(store.admins.claimStep(id, 100)).toBe(true);
    expect(store.admins.claimStep(id, 100)).toBe(false);
    expect(store.admins.claimStep(id, 99)).toBe(false);
    expect(store.admins.claimStep(id, 101)).toBe(true);
    expect(store.admins.credentials('root')?.lastStep).toBe(101);
  });
});
