import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TotpFactor, base32Decode, base32Encode } from '../../../src/factors/totp.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';
import type { TotpAlgorithm } from '../../../src/store/token-repo.js';

// An independent implementation: GNU oath-toolkit's oathtool (Debian package `oathtool`).
function oathtool(
  secret: Buffer,
  atSec: number,
  opts: { algorithm?: TotpAlgorithm; digits?: number } = {},
): string {
  const mode = (opts.algorithm ?? 'sha1').toUpperCase();
  const args = [`--totp=${mode}`, '-d', String(opts.digits ?? 6), '-s', '30s', '-b', base32Encode(secret)];
  return execFileSync('oathtool', [...args, '--now', `@${atSec}`], { encoding: 'utf8' }).trim();
}

const T0 = 1_700_000_000; // seconds; mid-step (1_700_000_000 % 30 = 20)
const root = mkdtempSync(join(tmpdir(), 'totp-'));
const store = Store.open(root);
const clock = new ManualClock(T0 * 1000);
const factor = (window = 1): TotpFactor =>
  new TotpFactor({ tokens: store.tokens, clock, options: { digits: 6, period: 30, window } });
let n = 0;
const enrol = (opts: { algorithm?: TotpAlgorithm; digits?: 6 | 8; secret?: Buffer } = {}) => {
  const identity = `user${n++}`;
  const secret = opts.secret ?? randomBytes(20);
  const token = store.tokens.add(identity, { secret, ...opts });
  return { identity, secret, token };
};

afterAll(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => clock.set(T0 * 1000));

describe('TotpFactor against oathtool', () => {
  it('accepts the code for the current instant and reports the RFC 6238 step', async () => {
    const { identity, secret, token } = enrol();
    const r = await factor().verify(identity, oathtool(secret, T0));
    expect(r).toEqual({ kind: 'ok', tokenId: token.id, step: Math.floor(T0 / 30) });
  });

  it('accepts codes one step early or late (window 1), and rejects two steps away', async () => {
    for (const [offset, kind] of [
      [-30, 'ok'],
      [30, 'ok'],
      [-60, 'bad_code'],
      [60, 'bad_code'],
    ] as const) {
      const { identity, secret } = enrol();
      expect((await factor().verify(identity, oathtool(secret, T0 + offset))).kind, `offset ${offset}`).toBe(
        kind,
      );
    }
  });

  it('window 0 accepts only the current step; window 2 reaches two steps', async () => {
    const a = enrol();
    expect((await factor(0).verify(a.identity, oathtool(a.secret, T0 - 30))).kind).toBe('bad_code');
    expect((await factor(0).verify(a.identity, oathtool(a.secret, T0))).kind).toBe('ok');
    const b = enrol();
    expect((await factor(2).verify(b.identity, oathtool(b.secret, T0 - 60))).kind).toBe('ok');
  });

  it('rejects a replayed code as replayed, also from another clock position inside the window', async () => {
    const { identity, secret } = enrol();
    const code = oathtool(secret, T0);
    expect((await factor().verify(identity, code)).kind).toBe('ok');
    expect(await factor().verify(identity, code)).toEqual({ kind: 'replayed' });
    clock.advance(30_000); // the code is still inside the ±1 window, still used
    expect(await factor().verify(identity, code)).toEqual({ kind: 'replayed' });
    clock.advance(60_000); // now outside the window: just a wrong code
    expect(await factor().verify(identity, code)).toEqual({ kind: 'bad_code' });
  });

  it('accepts a later step after an earlier one, but not an earlier step after a later one', async () => {
    const { identity, secret } = enrol();
    expect((await factor().verify(identity, oathtool(secret, T0))).kind).toBe('ok');
    clock.advance(30_000);
    expect((await factor().verify(identity, oathtool(secret, T0 + 30))).kind).toBe('ok');
    // The previous-step code is inside the window but older than the last accepted step: RFC 6238
    // §5.2 replay protection is by step, so it is refused (reported as replayed, not as a typo).
    clock.set(T0 * 1000);
    const other = enrol();
    expect((await factor().verify(other.identity, oathtool(other.secret, T0 + 30))).kind).toBe('ok');
    expect((await factor().verify(other.identity, oathtool(other.secret, T0 - 30))).kind).toBe('replayed');
  });

  it('two concurrent verifications of one code: exactly one succeeds', async () => {
    const { identity, secret } = enrol();
    const code = oathtool(secret, T0);
    const results = await Promise.all([factor().verify(identity, code), factor().verify(identity, code)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['ok', 'replayed']);
  });

  it('check() does not consume the code; verify() afterwards still accepts it once', async () => {
    const { identity, secret } = enrol();
    const code = oathtool(secret, T0);
    expect((await factor().check(identity, code)).kind).toBe('ok');
    expect((await factor().check(identity, code)).kind).toBe('ok');
    expect((await factor().verify(identity, code)).kind).toBe('ok');
    expect((await factor().check(identity, code)).kind).toBe('replayed');
  });

  it('verify() right after check() of the same code, same step: only the claim runs (no second unseal)', async () => {
    const { identity, secret, token } = enrol();
    const f = factor();
    const code = oathtool(secret, T0);
    expect((await f.check(identity, code)).kind).toBe('ok');
    const opened = vi.spyOn(store.tokens, 'secretsFor');
    try {
      expect(await f.verify(identity, code)).toEqual({
        kind: 'ok',
        tokenId: token.id,
        step: Math.floor(T0 / 30),
      });
      expect(opened).not.toHaveBeenCalled();
      // The claim was the real one: the code is spent for every verifier on this store.
      expect(await factor().verify(identity, code)).toEqual({ kind: 'replayed' });
    } finally {
      opened.mockRestore();
    }
  });

  it('a checked code claimed meanwhile by another verifier is refused as replayed, not accepted twice', async () => {
    const { identity, secret } = enrol();
    const f = factor();
    const code = oathtool(secret, T0);
    expect((await f.check(identity, code)).kind).toBe('ok');
    // Another process (here another factor on the same store) accepts the code first.
    expect((await factor().verify(identity, code)).kind).toBe('ok');
    expect(await f.verify(identity, code)).toEqual({ kind: 'replayed' });
  });

  it('a check from an earlier time step or for another code is not reused: the full check decides', async () => {
    const { identity, secret } = enrol();
    const f = factor();
    expect((await f.check(identity, oathtool(secret, T0))).kind).toBe('ok');
    clock.set((T0 + 30) * 1000);
    const opened = vi.spyOn(store.tokens, 'secretsFor');
    try {
      // Still inside the window one step later, but verified in full.
      expect((await f.verify(identity, oathtool(secret, T0))).kind).toBe('ok');
      expect(opened).toHaveBeenCalledTimes(1);
      expect((await f.check(identity, oathtool(secret, T0 + 30))).kind).toBe('ok');
      expect((await f.verify(identity, '000000')).kind).toBe('bad_code');
      expect(opened).toHaveBeenCalledTimes(3);
    } finally {
      opened.mockRestore();
    }
  });

  it('treats malformed codes as bad_code without throwing', async () => {
    const { identity, secret } = enrol();
    const good = oathtool(secret, T0);
    for (const bad of [
      '12345',
      'abcdef',
      '1234567',
      '',
      ' 12345',
      `${good} `,
      `${good}\n`,
      '１２３４５６',
      '12 456',
    ]) {
      expect(await factor().verify(identity, bad), JSON.stringify(bad)).toEqual({ kind: 'bad_code' });
    }
    expect((await factor().verify(identity, good)).kind).toBe('ok');
  });

  it('not_enrolled for an identity without tokens; isEnrolled is case-insensitive', async () => {
    expect(await factor().verify('nobody', '123456')).toEqual({ kind: 'not_enrolled' });
    const { identity } = enrol();
    expect(await factor().isEnrolled({ id: identity.toUpperCase() })).toBe(true);
    expect(await factor().isEnrolled({ id: 'nobody' })).toBe(false);
  });

  it('any of the identity’s tokens may match', async () => {
    const identity = `multi${n++}`;
    const phone = randomBytes(20);
    const backup = randomBytes(20);
    store.tokens.add(identity, { secret: phone, label: 'phone' });
    const b = store.tokens.add(identity, { secret: backup, label: 'backup' });
    const r = await factor().verify(identity, oathtool(backup, T0));
    expect(r).toMatchObject({ kind: 'ok', tokenId: b.id });
    // The phone's own code for the same step is still fresh: replay state is per token.
    expect((await factor().verify(identity, oathtool(phone, T0))).kind).toBe('ok');
  });

  it('supports SHA-256 and SHA-512 tokens with 8 digits', async () => {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const { identity, secret } = enrol({ algorithm, digits: 8, secret: randomBytes(32) });
      const code = oathtool(secret, T0, { algorithm, digits: 8 });
      expect(code).toMatch(/^\d{8}$/);
      expect((await factor().verify(identity, code.slice(0, 6))).kind).toBe('bad_code');
      expect((await factor().verify(identity, code)).kind).toBe('ok');
    }
  });

  it('accepts legacy 10-byte secrets (16 base32 characters)', async () => {
    const decoded = base32Decode('JBSWY3DPEHPK3PXP');
    if (!decoded.ok) throw new Error('fixture');
    const { identity } = enrol({ secret: decoded.value });
    expect((await factor().verify(identity, oathtool(decoded.value, T0))).kind).toBe('ok');
  });

  it('a clock stepped back behind the last accepted step neither throws nor accepts old codes', async () => {
    const { identity, secret } = enrol();
    clock.set((T0 + 3600) * 1000);
    expect((await factor().verify(identity, oathtool(secret, T0 + 3600))).kind).toBe('ok');
    clock.set(T0 * 1000);
    expect(await factor().verify(identity, oathtool(secret, T0))).toEqual({ kind: 'replayed' });
    expect(await factor().verify(identity, '000000')).toEqual({ kind: 'bad_code' });
  });
});

describe('TotpFactor: the replay guard is a port (a shared one drops in for several nodes)', () => {
  it('every acceptance goes through the injected guard; a claim it refuses is a replay', async () => {
    const { identity, secret, token } = enrol();
    const claims: Array<[number, number]> = [];
    const taken = new Set<string>();
    const guard = {
      claim: async (id: number, step: number) => {
        claims.push([id, step]);
        const k = `${id}:${step}`;
        if (taken.has(k)) return false;
        taken.add(k);
        return true;
      },
    };
    const f = new TotpFactor({
      tokens: store.tokens,
      clock,
      options: { digits: 6, period: 30, window: 1 },
      replay: guard,
    });
    const code = oathtool(secret, T0);
    expect((await f.verify(identity, code)).kind).toBe('ok');
    expect(claims).toEqual([[token.id, Math.floor(T0 / 30)]]);
    // The store's own last step is not what refused it here: a second factor on the same guard
    // (another node) sees the step as taken.
    const other = new TotpFactor({
      tokens: store.tokens,
      clock,
      options: { digits: 6, period: 30, window: 1 },
      replay: guard,
    });
    store.tokens.resetSteps(identity);
    expect((await other.verify(identity, code)).kind).toBe('replayed');
  });
});
