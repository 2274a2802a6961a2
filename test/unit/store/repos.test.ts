import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../../src/factors/totp.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'store-repos-'));
let n = 0;
const freshDir = (): string => join(root, `d${n++}`);
const opened: Store[] = [];
const open = (dir: string, clock = new ManualClock(1_700_000_000_000)): Store => {
  const s = Store.open(dir, { clock });
  opened.push(s);
  return s;
};

afterAll(() => {
  for (const s of opened) s.close();
  rmSync(root, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected an AppError');
}

describe('UserRepo', () => {
  it('matches names case-insensitively and keeps the spelling given at creation', () => {
    const { users } = open(freshDir());
    const alice = users.add('Alice', 'h1', { mfaExempt: true });
    expect(alice).toMatchObject({
      name: 'Alice',
      passwordHash: 'h1',
      mfaExempt: true,
      createdAt: 1_700_000_000_000,
    });
    for (const spelling of ['alice', 'ALICE', 'aLiCe']) expect(users.get(spelling)?.id).toBe(alice.id);
    expect(codeOf(() => users.add('alice', 'h2'))).toBe(ErrorCodes.USER_EXISTS);
    expect(codeOf(() => users.add('ALICE', 'h2'))).toBe(ErrorCodes.USER_EXISTS);
    expect(users.get('bob')).toBeUndefined();
  });

  it('treats composed and decomposed Unicode spellings as one name', () => {
    const { users } = open(freshDir());
    users.add('Ren\u00e9', 'h'); // é precomposed
    expect(users.get('RENE\u0301')?.name).toBe('Ren\u00e9'); // E + combining acute
  });

  it('lists, updates and removes', () => {
    const { users } = open(freshDir());
    users.add('bob', 'hb');
    users.add('Alice', 'ha');
    expect(users.list().map((u) => u.name)).toEqual(['Alice', 'bob']);
    users.setPassword('ALICE', 'ha2');
    users.setExempt('alice', true);
    expect(users.get('alice')).toMatchObject({ passwordHash: 'ha2', mfaExempt: true });
    expect(codeOf(() => users.setPassword('carol', 'x'))).toBe(ErrorCodes.USER_NOT_FOUND);
    expect(codeOf(() => users.setExempt('carol', true))).toBe(ErrorCodes.USER_NOT_FOUND);
    expect(users.remove('BOB')).toBe(true);
    expect(users.remove('bob')).toBe(false);
    expect(users.list().map((u) => u.name)).toEqual(['Alice']);
  });

  it('rejects empty names, control characters and over-long names', () => {
    const { users } = open(freshDir());
    for (const bad of ['', ' alice', 'al\nice', 'a'.repeat(254)]) {
      expect(codeOf(() => users.add(bad, 'h'))).toBe(ErrorCodes.USER_NAME_INVALID);
    }
  });
});

describe('TokenRepo', () => {
  it('stores enrolments by identity id, never returning the secret in TokenInfo', () => {
    const { tokens } = open(freshDir());
    const secret = randomBytes(20);
    const t = tokens.add('Alice@Corp', { secret, label: 'phone' });
    expect(t).toEqual({
      id: t.id,
      identityId: 'alice@corp',
      label: 'phone',
      algorithm: 'sha1',
      digits: 6,
      period: 30,
      createdAt: 1_700_000_000_000,
      lastStep: null,
      pending: false,
    });
    expect(JSON.stringify(tokens.listAll())).not.toContain(secret.toString('hex'));
    expect(tokens.listFor('ALICE@CORP')).toEqual([t]);
    expect(tokens.hasAny('alice@corp')).toBe(true);
    expect(tokens.hasAny('bob')).toBe(false);
    const [entry] = tokens.secretsFor('alice@corp');
    expect(entry?.secret.equals(secret)).toBe(true);
  });

  it('a pending token (portal, migration 5) is invisible to logins until activated', () => {
    const { tokens } = open(freshDir());
    const secret = randomBytes(20);
    const t = tokens.add('erin', { secret, pending: true });
    expect(t.pending).toBe(true);
    expect(tokens.hasAny('erin')).toBe(false);
    expect(tokens.secretsFor('erin')).toEqual([]);
    expect(tokens.listFor('erin')).toEqual([]);
    expect(tokens.listFor('erin', { includePending: true }).map((x) => x.id)).toEqual([t.id]);
    expect(tokens.pendingSecret('erin', t.id)?.secret.equals(secret)).toBe(true);
    expect(tokens.pendingSecret('bob', t.id)).toBeUndefined();
    expect(tokens.activate('bob', t.id)).toBe(false);
    expect(tokens.activate('erin', t.id)).toBe(true);
    expect(tokens.activate('erin', t.id)).toBe(false);
    expect(tokens.hasAny('erin')).toBe(true);
    expect(tokens.pendingSecret('erin', t.id)).toBeUndefined();
    expect(tokens.rename('erin', t.id, 'work phone')).toBe(true);
    expect(tokens.listFor('erin')[0]?.label).toBe('work phone');
    const p = tokens.add('erin', { secret: randomBytes(20), pending: true });
    expect(tokens.removePending('erin')).toBe(1);
    expect(tokens.pendingSecret('erin', p.id)).toBeUndefined();
    expect(tokens.listFor('erin').length).toBe(1);
  });

  it('validates the secret size and parameters', () => {
    const { tokens } = open(freshDir());
    expect(codeOf(() => tokens.add('a', { secret: randomBytes(9) }))).toBe(ErrorCodes.TOKEN_SECRET_INVALID);
    expect(codeOf(() => tokens.add('a', { secret: randomBytes(65) }))).toBe(ErrorCodes.TOKEN_SECRET_INVALID);
    expect(codeOf(() => tokens.add('a', { secret: randomBytes(20), period: 5 }))).toBe(ErrorCodes.STORE);
    expect(tokens.add('a', { secret: randomBytes(10) }).id).toBeGreaterThan(0);
  });

  it('keeps secrets encrypted at rest: neither the bytes nor the base32 appear in the DB files', () => {
    const dir = freshDir();
    const store = open(dir);
    const secrets = [randomBytes(20), randomBytes(32), randomBytes(10)];
    for (const [i, secret] of secrets.entries()) store.tokens.add(`user${i}`, { secret });
    const raw = new SQLite(join(dir, 'mfa.db'), { readonly: true });
    const rows = raw.prepare('SELECT * FROM totp_tokens').all() as Array<Record<string, unknown>>;
    raw.close();
    expect(rows).toHaveLength(3);
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('mfa.db'))
      .map((f) => readFileSync(join(dir, f)));
    expect(files.length).toBeGreaterThanOrEqual(2); // mfa.db and mfa.db-wal
    for (const secret of secrets) {
      for (const row of rows) {
        const sealed = row.secret_sealed as Buffer;
        expect(sealed[0]).toBe(1);
        expect(sealed.includes(secret)).toBe(false);
        for (const value of Object.values(row)) expect(String(value)).not.toContain(base32Encode(secret));
      }
      for (const f of files) {
        expect(f.includes(secret)).toBe(false);
        expect(f.includes(Buffer.from(base32Encode(secret)))).toBe(false);
        expect(f.includes(Buffer.from(secret.toString('hex')))).toBe(false);
      }
    }
  });

  it('refuses to decrypt a sealed secret moved to another row', () => {
    const dir = freshDir();
    const store = open(dir);
    const a = store.tokens.add('alice', { secret: randomBytes(20) });
    const b = store.tokens.add('bob', { secret: randomBytes(20) });
    const raw = new SQLite(join(dir, 'mfa.db'));
    const blobOf = (id: number): Buffer =>
      (raw.prepare('SELECT secret_sealed FROM totp_tokens WHERE id = ?').get(id) as { secret_sealed: Buffer })
        .secret_sealed;
    const [ba, bb] = [blobOf(a.id), blobOf(b.id)];
    const set = raw.prepare('UPDATE totp_tokens SET secret_sealed = ? WHERE id = ?');
    set.run(bb, a.id);
    set.run(ba, b.id);
    raw.close();
    expect(codeOf(() => store.tokens.secretsFor('alice'))).toBe(ErrorCodes.STORE);
    expect(codeOf(() => store.tokens.secretsFor('bob'))).toBe(ErrorCodes.STORE);
  });

  it('removes one token or all of an identity', () => {
    const { tokens } = open(freshDir());
    const t1 = tokens.add('alice', { secret: randomBytes(20) });
    tokens.add('alice', { secret: randomBytes(20), label: 'backup' });
    tokens.add('bob', { secret: randomBytes(20) });
    expect(tokens.remove('alice', 999)).toBe(0);
    expect(tokens.remove('bob', t1.id)).toBe(0);
    expect(tokens.remove('ALICE', t1.id)).toBe(1);
    expect(tokens.listFor('alice').map((t) => t.label)).toEqual(['backup']);
    expect(tokens.remove('alice')).toBe(1);
    expect(tokens.listAll().map((t) => t.identityId)).toEqual(['bob']);
    expect(tokens.count()).toBe(1);
  });

  it('never reuses a token id after a delete (the id is part of the AAD)', () => {
    const { tokens } = open(freshDir());
    const t1 = tokens.add('alice', { secret: randomBytes(20) });
    tokens.remove('alice');
    expect(tokens.add('alice', { secret: randomBytes(20) }).id).toBeGreaterThan(t1.id);
  });

  it('claimStep: a step is claimed once, earlier steps never, across two connections', () => {
    const dir = freshDir();
    const s1 = open(dir);
    const s2 = open(dir);
    const t = s1.tokens.add('alice', { secret: randomBytes(20) });
    const results = [s1.tokens.claimStep(t.id, 100), s2.tokens.claimStep(t.id, 100)];
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(s2.tokens.claimStep(t.id, 99)).toBe(false);
    expect(s2.tokens.claimStep(t.id, 101)).toBe(true);
    expect(s1.tokens.claimStep(t.id, 101)).toBe(false);
    expect(s1.tokens.listFor('alice')[0]?.lastStep).toBe(101);
    expect(s1.tokens.claimStep(9999, 1)).toBe(false);
    expect(s2.tokens.resetSteps('alice')).toBe(1);
    expect(s1.tokens.claimStep(t.id, 50)).toBe(true);
  });

  it('claimStep under contention: many interleaved claims from two connections, each step won once', () => {
    const dir = freshDir();
    const s1 = open(dir);
    const s2 = open(dir);
    const t = s1.tokens.add('alice', { secret: randomBytes(20) });
    let wins = 0;
    for (let step = 1; step <= 200; step++) {
      const order = step % 2 === 0 ? [s1, s2, s1] : [s2, s1, s2];
      for (const s of order) if (s.tokens.claimStep(t.id, step)) wins++;
    }
    expect(wins).toBe(200);
  });
});
