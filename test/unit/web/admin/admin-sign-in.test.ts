import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Encode } from '../../../../src/factors/totp.js';
import { ManualClock } from '../../../../src/shared/clock.js';
import { hashPassword } from '../../../../src/store/password-hash.js';
import { Store } from '../../../../src/store/store.js';
import { AdminLockout } from '../../../../src/web/admin/admin-lockout.js';
import { AdminSignIn, CODE_WINDOW_MS, type SignInState } from '../../../../src/web/admin/admin-sign-in.js';
import { oathCode } from '../../../helpers/oathtool.js';
import { registerSensitive } from '../../../helpers/sensitive.js';

const T0 = Date.UTC(2026, 11, 1, 21, 0, 0);
const SECRET = Buffer.from('0123456789abcdef0123', 'utf8');
const B32 = base32Encode(SECRET);
const PW = 'correct horse battery';
const ANON: SignInState = { stage: 'anonymous' };

let dir: string;
let store: Store;
let clock: ManualClock;
let signIn: AdminSignIn;

beforeEach(async () => {
  registerSensitive(PW, B32);
  dir = mkdtempSync(join(tmpdir(), 'admin-sign-in-'));
  clock = new ManualClock(T0);
  store = Store.open(dir, { clock });
  store.admins.add('root', await hashPassword(Buffer.from(PW), { N: 1024 }), SECRET);
  signIn = new AdminSignIn({
    admins: store.admins,
    lockout: new AdminLockout(clock, { maxFailures: 3, windowSec: 300, lockSec: 900 }),
    clock,
    window: 1,
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the admin sign-in state machine', () => {
  it('password, then a TOTP code (oathtool), then signed in; the same code never twice', async () => {
    const p = await signIn.password(ANON, 'Root', Buffer.from(PW));
    expect(p).toEqual({ ok: true, state: { stage: 'password_ok', name: 'root', via: 'account', at: T0 } });
    if (!p.ok) return;
    const code = oathCode(B32, T0);
    const c = await signIn.code(p.state, code);
    expect(c).toEqual({ ok: true, state: { stage: 'signed_in', name: 'root', via: 'account', at: T0 } });
    // Replay: a second sign-in with the same code is refused.
    const p2 = await signIn.password(ANON, 'root', Buffer.from(PW));
    if (!p2.ok) throw new Error('password refused');
    expect(await signIn.code(p2.state, code)).toEqual({ ok: false, reason: 'bad_code' });
  });

  it('TOTP is required: the code stage cannot be skipped, and a password alone never signs in', async () => {
    expect(await signIn.code(ANON, oathCode(B32, T0))).toEqual({ ok: false, reason: 'wrong_stage' });
    const p = await signIn.password(ANON, 'root', Buffer.from(PW));
    if (!p.ok) throw new Error('password refused');
    expect(p.state.stage).toBe('password_ok');
    expect(await signIn.code(p.state, '')).toEqual({ ok: false, reason: 'bad_code' });
    expect(await signIn.code(p.state, 'abcdef')).toEqual({ ok: false, reason: 'bad_code' });
  });

  it('a code long after the password is refused (expired)', async () => {
    const p = await signIn.password(ANON, 'root', Buffer.from(PW));
    if (!p.ok) throw new Error('password refused');
    clock.advance(CODE_WINDOW_MS + 1000);
    expect(await signIn.code(p.state, oathCode(B32, clock.now()))).toEqual({ ok: false, reason: 'expired' });
  });

  it('wrong passwords and codes count toward a lockout by name; a locked name is refused even with the right password', async () => {
    expect(await signIn.password(ANON, 'root', Buffer.from('wrong'))).toEqual({
      ok: false,
      reason: 'bad_credentials',
    });
    const p = await signIn.password(ANON, 'root', Buffer.from(PW));
    if (!p.ok) throw new Error('password refused');
    expect(await signIn.code(p.state, '000000')).toMatchObject({ ok: false, reason: 'bad_code' });
    const third = await signIn.password(ANON, 'root', Buffer.from('wrong'));
    expect(third).toEqual({
      ok: false,
      reason: 'bad_credentials',
      lockedUntil: T0 + 900_000,
      lockedNow: true,
    });
    expect(await signIn.password(ANON, 'root', Buffer.from(PW))).toEqual({
      ok: false,
      reason: 'locked',
      lockedUntil: T0 + 900_000,
    });
    clock.advance(900_000);
    expect((await signIn.password(ANON, 'root', Buffer.from(PW))).ok).toBe(true);
  });

  it('an unknown admin name is refused like a wrong password (and counted)', async () => {
    expect(await signIn.password(ANON, 'nobody', Buffer.from(PW))).toEqual({
      ok: false,
      reason: 'bad_credentials',
    });
    expect(await signIn.password(ANON, '', Buffer.from(PW))).toEqual({
      ok: false,
      reason: 'bad_credentials',
    });
  });

  it('a directory admin: the directory check, then their own TOTP enrolment', async () => {
    const seen: string[] = [];
    const dirSignIn = new AdminSignIn({
      admins: store.admins,
      lockout: new AdminLockout(clock, { maxFailures: 3, windowSec: 300, lockSec: 900 }),
      clock,
      window: 1,
      directory: {
        check: async (name, pw) =>
          name === 'CORP\\erin' && pw.toString() === 'dirpw' ? { identityId: 'erin' } : undefined,
        verifyCode: async (id, code) => {
          seen.push(`${id}:${code}`);
          return code === '123456';
        },
      },
    });
    expect((await dirSignIn.password(ANON, 'CORP\\erin', Buffer.from('nope'))).ok).toBe(false);
    const p = await dirSignIn.password(ANON, 'CORP\\erin', Buffer.from('dirpw'));
    expect(p).toMatchObject({
      ok: true,
      state: { stage: 'password_ok', via: 'directory', identityId: 'erin' },
    });
    if (!p.ok) return;
    expect(await dirSignIn.code(p.state, '654321')).toMatchObject({ ok: false, reason: 'bad_code' });
    expect(await dirSignIn.code(p.state, '123456')).toMatchObject({
      ok: true,
      state: { stage: 'signed_in' },
    });
    expect(seen).toEqual(['erin:654321', 'erin:123456']);
  });
});
