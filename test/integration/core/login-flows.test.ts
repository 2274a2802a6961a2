import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';

// 20-byte seeds, as `token add` generates them.
const ALICE = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const BOB = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

describe('challenge mode (radclient as the gateway, oathtool as the authenticator)', () => {
  let p: InProcessProxy;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'] });
    await p.addUser('alice', 'correct horse', { totpBase32: ALICE });
    await p.addUser('Bob', 'battery staple', { totpBase32: BOB });
    await p.addUser('carol', 'exempt-pw', { exempt: true });
    await p.addUser('dave', 'no-token-pw');
  });
  afterAll(() => p.stop());

  const login = (user: string, password: string, extra: Record<string, string> = {}) =>
    radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote(user), 'User-Password': quote(password), ...extra },
    });

  it('password, then Access-Challenge with State, Reply-Message and Session-Timeout, then the code → Access-Accept', async () => {
    const first = await login('alice', 'correct horse');
    expect(first.code).toBe('Access-Challenge');
    // BlastRADIUS: the Message-Authenticator is the first attribute of every reply.
    expect(Object.keys(first.attributes)[0]).toBe('Message-Authenticator');
    expect(first.state!.length).toBeGreaterThanOrEqual(16);
    expect(first.attributes['Reply-Message']?.[0]).toMatch(/code/i);
    expect(first.attributes['Session-Timeout']?.[0]).toBe('120');
    const second = await login('alice', oathCode(ALICE, p.clock.now()), {
      State: `0x${first.state!.toString('hex')}`,
    });
    expect(second.code).toBe('Access-Accept');
    const [challenge, accept] = p.audits().slice(-2);
    expect(challenge).toMatchObject({
      result: 'challenge',
      reason: 'challenge_issued',
      user: 'alice',
      mode: 'challenge',
    });
    expect(accept).toMatchObject({ result: 'accept', reason: 'mfa_ok', mode: 'challenge-answer' });
    // One correlation id ties the challenge to its answer.
    expect(accept!.correlation_id).toBe(challenge!.correlation_id);
    expect(typeof accept!.latency_ms).toBe('number');
  });

  it('matches user names case-insensitively', async () => {
    const first = await login('BOB', 'battery staple');
    expect(first.code).toBe('Access-Challenge');
    const second = await login('bob', oathCode(BOB, p.clock.now()), {
      State: `0x${first.state!.toString('hex')}`,
    });
    expect(second.code).toBe('Access-Accept');
  });

  it('rejects a wrong password without a challenge, and an unknown user alike', async () => {
    expect((await login('alice', 'wrong')).code).toBe('Access-Reject');
    expect((await login('mallory', 'whatever')).code).toBe('Access-Reject');
    const [bad, unknown] = p.audits().slice(-2);
    expect(bad).toMatchObject({ reason: 'bad_password' });
    expect(unknown).toMatchObject({ reason: 'no_such_user' });
  });

  it('gateway sees only a generic Reply-Message on reject', async () => {
    const r = await login('alice', 'wrong again');
    expect(r.attributes['Reply-Message']).toEqual(['Authentication failed']);
  });

  it('rejects a wrong code and a replayed code', async () => {
    p.clock.advance(60_000);
    const c1 = await login('alice', 'correct horse');
    const code = oathCode(ALICE, p.clock.now());
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await login('alice', wrong, { State: `0x${c1.state!.toString('hex')}` })).code).toBe(
      'Access-Reject',
    );
    expect(p.audits().at(-1)).toMatchObject({ reason: 'bad_code' });
    const c2 = await login('alice', 'correct horse');
    expect((await login('alice', code, { State: `0x${c2.state!.toString('hex')}` })).code).toBe(
      'Access-Accept',
    );
    const c3 = await login('alice', 'correct horse');
    expect((await login('alice', code, { State: `0x${c3.state!.toString('hex')}` })).code).toBe(
      'Access-Reject',
    );
    expect(p.audits().at(-1)).toMatchObject({ reason: 'code_replayed' });
  });

  it('accepts a code one step old (clock drift) but not two', async () => {
    p.clock.advance(120_000);
    const c1 = await login('alice', 'correct horse');
    expect(
      (
        await login('alice', oathCode(ALICE, p.clock.now() - 30_000), {
          State: `0x${c1.state!.toString('hex')}`,
        })
      ).code,
    ).toBe('Access-Accept');
    p.clock.advance(120_000);
    const c2 = await login('alice', 'correct horse');
    expect(
      (
        await login('alice', oathCode(ALICE, p.clock.now() - 60_000), {
          State: `0x${c2.state!.toString('hex')}`,
        })
      ).code,
    ).toBe('Access-Reject');
  });

  it('a State works once only, expires, and is bound to its user', async () => {
    p.clock.advance(120_000);
    const c = await login('alice', 'correct horse');
    const state = `0x${c.state!.toString('hex')}`;
    expect((await login('alice', oathCode(ALICE, p.clock.now()), { State: state })).code).toBe(
      'Access-Accept',
    );
    p.clock.advance(30_000);
    expect((await login('alice', oathCode(ALICE, p.clock.now()), { State: state })).code).toBe(
      'Access-Reject',
    );
    expect(p.audits().at(-1)).toMatchObject({ reason: 'state_unknown' });

    const expiring = await login('alice', 'correct horse');
    p.clock.advance(121_000);
    expect(
      (
        await login('alice', oathCode(ALICE, p.clock.now()), {
          State: `0x${expiring.state!.toString('hex')}`,
        })
      ).code,
    ).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'state_expired' });

    const bobs = await login('bob', 'battery staple');
    expect(
      (await login('alice', oathCode(ALICE, p.clock.now()), { State: `0x${bobs.state!.toString('hex')}` }))
        .code,
    ).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'state_mismatch' });
  });

  it('exempt users get in on the password; unenrolled users are rejected by default', async () => {
    expect((await login('carol', 'exempt-pw')).code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_exempt' });
    expect((await login('dave', 'no-token-pw')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'not_enrolled' });
  });

  it('locks a user out after 5 failures in 5 minutes, for 15 minutes, and says so in the log', async () => {
    p.clock.advance(3_600_000);
    for (let i = 0; i < 5; i++) expect((await login('bob', `wrong-${i}`)).code).toBe('Access-Reject');
    expect(p.logs.some((l) => l.event === 'lockout' && l.identity === 'bob')).toBe(true);
    // Even the right password is refused now, and the password is not even checked.
    expect((await login('bob', 'battery staple')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'user_locked_out' });
    p.clock.advance(15 * 60_000 + 1000);
    expect((await login('bob', 'battery staple')).code).toBe('Access-Challenge');
  });
});

describe('concat and auto modes', () => {
  let p: InProcessProxy;
  let q: InProcessProxy;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: concat'] });
    q = await startInProcess({ clientYaml: ['mfa_mode: auto', 'concat_delimiter: ","'] });
    for (const x of [p, q]) {
      await x.addUser('alice', 'correct horse', { totpBase32: ALICE });
      await x.addUser('erin', 'pw123456', { totpBase32: BOB });
    }
  });
  afterAll(async () => {
    await p.stop();
    await q.stop();
  });

  const login = (x: InProcessProxy, user: string, password: string, extra: Record<string, string> = {}) =>
    radclient({
      server: x.server,
      secret: x.secret,
      attrs: { 'User-Name': quote(user), 'User-Password': quote(password), ...extra },
    });

  it('concat: password followed by the code in one field → Access-Accept, no challenge', async () => {
    expect((await login(p, 'alice', `correct horse${oathCode(ALICE, p.clock.now())}`)).code).toBe(
      'Access-Accept',
    );
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_ok', mode: 'concat' });
  });

  it('concat: a wrong code or a missing code is a reject, never a challenge', async () => {
    p.clock.advance(60_000);
    expect((await login(p, 'alice', 'correct horse000000')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'bad_code' });
    expect((await login(p, 'alice', 'correct horse')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'missing_code' });
  });

  it('concat: a password that ends in digits still works, since the code is always the last 6', async () => {
    expect((await login(p, 'erin', `pw123456${oathCode(BOB, p.clock.now())}`)).code).toBe('Access-Accept');
  });

  it('auto: password,code in one field → Access-Accept (with the configured delimiter)', async () => {
    expect((await login(q, 'alice', `correct horse,${oathCode(ALICE, q.clock.now())}`)).code).toBe(
      'Access-Accept',
    );
    expect(q.audits().at(-1)).toMatchObject({ mode: 'auto:concat', reason: 'mfa_ok' });
  });

  it('auto: the password alone → Access-Challenge, then the code', async () => {
    q.clock.advance(60_000);
    const c = await login(q, 'alice', 'correct horse');
    expect(c.code).toBe('Access-Challenge');
    expect(q.audits().at(-1)).toMatchObject({ mode: 'auto:challenge' });
    expect(
      (await login(q, 'alice', oathCode(ALICE, q.clock.now()), { State: `0x${c.state!.toString('hex')}` }))
        .code,
    ).toBe('Access-Accept');
  });

  it('auto: a password ending in 6 digits that are not a valid code is taken whole → challenge', async () => {
    q.clock.advance(60_000);
    const c = await login(q, 'erin', 'pw123456');
    expect(c.code).toBe('Access-Challenge');
  });
});
