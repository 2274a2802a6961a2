import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_CHALLENGE_ANSWER, UPSTREAM_CHALLENGE_STATE } from '../../helpers/freeradius.js';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';
import {
  ALICE_SEED,
  CHRIS_SEED,
  enrol,
  hexState,
  login,
  startProxyFor,
  startUpstream,
  upstreamLogins,
} from './upstream-env.js';

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

/** What the gateway must see of alice's upstream Accept: FreeRADIUS's attributes, byte-exact. */
function expectAliceAttributes(raw: string, attrs: Record<string, string[]>): void {
  expect(attrs['Filter-Id']).toEqual(['vpn-users']);
  expect(attrs.Class).toEqual(['0x616c696365']);
  expect(attrs['Cisco-AVPair']).toEqual(['shell:priv-lvl=15']);
  expect(attrs['Reply-Message']).toEqual(['Welcome']);
  // Tagged attributes pass with their tag octet (RFC 2868 §3.1).
  expect(raw).toMatch(/Tunnel-Type:1 = VLAN/);
  expect(raw).toMatch(/Tunnel-Medium-Type:1 = IEEE-802/);
  expect(raw).toMatch(/Tunnel-Private-Group-Id:1 = "42"/);
  // Encrypted with the upstream's secret: never passed on.
  expect(raw).not.toMatch(/Tunnel-Password/);
}

describe('FreeRADIUS 3.2 upstream: password by PAP, then our TOTP', () => {
  let up: Upstream;
  let challenge: InProcessProxy;
  let concat: InProcessProxy;
  beforeAll(async () => {
    up = await startUpstream();
    const servers = [{ port: up.port, secret: up.secret }];
    challenge = await startProxyFor(servers, { extraYaml: ['mfa:', '  exempt_users: [carol]'] });
    concat = await startProxyFor(servers, { clientYaml: ['mfa_mode: concat'] });
    for (const p of [challenge, concat]) {
      enrol(p, 'alice', ALICE_SEED);
      enrol(p, 'chris', CHRIS_SEED);
    }
  });
  afterAll(async () => {
    await challenge?.stop();
    await concat?.stop();
    await up?.fr.stop();
  });

  it('challenge: password → our Access-Challenge → code → Access-Accept with the upstream attributes', async () => {
    const before = upstreamLogins(up.fr, 'alice');
    const first = await login(challenge, 'alice', 'alice-pw');
    expect(first.code).toBe('Access-Challenge');
    expect(first.attributes['Reply-Message']?.[0]).toMatch(/code/i);
    // The attributes are kept across our challenge round, not sent with it.
    expect(first.attributes['Filter-Id']).toBeUndefined();
    const second = await login(challenge, 'alice', oathCode(ALICE_SEED, challenge.clock.now()), {
      State: hexState(first.state!),
    });
    expect(second.code).toBe('Access-Accept');
    expectAliceAttributes(second.raw, second.attributes);
    // One upstream check for the whole login.
    expect(upstreamLogins(up.fr, 'alice')).toBe(before + 1);
    expect(challenge.audits().at(-1)).toMatchObject({
      result: 'accept',
      reason: 'mfa_ok',
      identity: 'alice',
    });
  });

  it('a wrong password is rejected by the upstream without a code being asked', async () => {
    const r = await login(challenge, 'alice', 'not-alice-pw');
    expect(r.code).toBe('Access-Reject');
    // Only our generic message: the upstream's reply attributes stay with us.
    expect(r.attributes['Reply-Message']).toEqual(['Authentication failed']);
    expect(r.attributes['Filter-Id']).toBeUndefined();
    expect(challenge.audits().at(-1)).toMatchObject({ result: 'reject', reason: 'upstream_reject' });
  });

  it('concat: password+code in one field → one upstream check with the password only → Access-Accept', async () => {
    concat.clock.advance(60_000);
    const before = upstreamLogins(up.fr, 'alice');
    const r = await login(concat, 'alice', `alice-pw${oathCode(ALICE_SEED, concat.clock.now())}`);
    expect(r.code).toBe('Access-Accept');
    expectAliceAttributes(r.raw, r.attributes);
    expect(upstreamLogins(up.fr, 'alice')).toBe(before + 1);
    expect((await login(concat, 'alice', 'alice-pw000000')).code).toBe('Access-Reject');
    expect(concat.audits().at(-1)).toMatchObject({ reason: 'bad_code' });
  });

  it('an exempt user gets in on the upstream password alone, with the upstream attributes', async () => {
    const r = await login(challenge, 'carol', 'carol-pw');
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Filter-Id']).toEqual(['exempt-filter']);
    expect(challenge.audits().at(-1)).toMatchObject({ reason: 'mfa_exempt' });
  });

  it('an upstream Access-Challenge is relayed; its State goes back byte-exact; our code follows its Accept', async () => {
    challenge.clock.advance(60_000);
    const first = await login(challenge, 'chris', 'chris-pw');
    expect(first.code).toBe('Access-Challenge');
    expect(first.attributes['Reply-Message']).toEqual(['Enter your upstream PIN']);
    // The gateway sees our State, never the upstream's.
    expect(first.state!.equals(UPSTREAM_CHALLENGE_STATE)).toBe(false);
    expect(challenge.audits().at(-1)).toMatchObject({ result: 'challenge', reason: 'upstream_challenge' });
    // FreeRADIUS accepts the PIN only with its own State, byte for byte (see upstreamSite).
    const pin = await login(challenge, 'chris', UPSTREAM_CHALLENGE_ANSWER, { State: hexState(first.state!) });
    expect(pin.code).toBe('Access-Challenge');
    expect(pin.attributes['Reply-Message']?.[0]).toMatch(/code/i);
    const done = await login(challenge, 'chris', oathCode(CHRIS_SEED, challenge.clock.now()), {
      State: hexState(pin.state!),
    });
    expect(done.code).toBe('Access-Accept');
    // The attribute of the upstream's final Accept, kept across our own challenge round.
    expect(done.attributes.Class).toEqual(['0x66696e616c']);
    expect(challenge.audits().at(-1)).toMatchObject({ reason: 'mfa_ok', identity: 'chris' });
  });

  it('a wrong answer to the upstream challenge is rejected upstream', async () => {
    const first = await login(challenge, 'chris', 'chris-pw');
    expect(first.code).toBe('Access-Challenge');
    const r = await login(challenge, 'chris', '000000', { State: hexState(first.state!) });
    expect(r.code).toBe('Access-Reject');
    expect(challenge.audits().at(-1)).toMatchObject({ reason: 'upstream_reject' });
    // Issue 9 item 3: the answer goes through the same primary step, so it counts as a failure.
    const since = challenge.clock.now() - 300_000;
    expect(challenge.app.store.lockouts.countSince('chris', since)).toBe(1);
    // A right answer on a later login ends the failure streak (after our code, as usual).
    challenge.clock.advance(60_000);
    const again = await login(challenge, 'chris', 'chris-pw');
    const pin = await login(challenge, 'chris', UPSTREAM_CHALLENGE_ANSWER, { State: hexState(again.state!) });
    expect(pin.code).toBe('Access-Challenge');
    const done = await login(challenge, 'chris', oathCode(CHRIS_SEED, challenge.clock.now()), {
      State: hexState(pin.state!),
    });
    expect(done.code).toBe('Access-Accept');
    expect(challenge.app.store.lockouts.countSince('chris', since)).toBe(0);
  });

  it('echoes every Proxy-State of the request, in order, on an upstream-driven answer', async () => {
    const r = await radclient({
      server: challenge.server,
      secret: challenge.secret,
      attrs: {
        'User-Name': quote('carol'),
        'User-Password': quote('carol-pw'),
        // radclient takes one "Name = value" per attribute; repeated names via distinct keys below.
        'Proxy-State': '0x01',
        'Proxy-State ': '0x0203',
        'Proxy-State  ': '0x040506',
      },
    });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Proxy-State']).toEqual(['0x01', '0x0203', '0x040506']);
  });
});

describe('second-factor-only mode (the gateway checked the password)', () => {
  let up: Upstream;
  let p: InProcessProxy;
  beforeAll(async () => {
    up = await startUpstream();
    p = await startProxyFor([{ port: up.port, secret: up.secret }], {
      clientYaml: ['mfa_mode: second_factor_only'],
    });
    enrol(p, 'alice', ALICE_SEED);
  });
  afterAll(async () => {
    await p?.stop();
    await up?.fr.stop();
  });

  it('the User-Password is the code: accepted without asking the upstream', async () => {
    const r = await login(p, 'alice', oathCode(ALICE_SEED, p.clock.now()));
    expect(r.code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'second_factor_only_ok', mode: 'second_factor_only' });
    expect(upstreamLogins(up.fr, 'alice')).toBe(0);
  });

  it('a wrong or replayed code is rejected; an empty one gets our challenge', async () => {
    p.clock.advance(60_000);
    const code = oathCode(ALICE_SEED, p.clock.now());
    expect((await login(p, 'alice', '000000')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'bad_code' });
    expect((await login(p, 'alice', code)).code).toBe('Access-Accept');
    expect((await login(p, 'alice', code)).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'code_replayed' });
    p.clock.advance(60_000);
    const c = await login(p, 'alice', '');
    expect(c.code).toBe('Access-Challenge');
    const ok = await login(p, 'alice', oathCode(ALICE_SEED, p.clock.now()), { State: hexState(c.state!) });
    expect(ok.code).toBe('Access-Accept');
  });
});
