import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { messageAuthenticatorStatus } from '../../../src/radius/authenticators.js';
import { Attr } from '../../../src/radius/codes.js';
import { allAttributes, firstAttribute } from '../../../src/radius/frame.js';
import { unhidePassword } from '../../../src/radius/password.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { FakeUpstream, type Misbehaviour } from './fake-upstream.js';
import { login, startProxyFor, startUpstream } from './upstream-env.js';

const SECRET = 'fake-upstream-secret';
registerSensitive(SECRET, 'any-password');

function counters(p: InProcessProxy): Record<string, number> {
  const u = p.app.upstream();
  if (!u) throw new Error('no upstream directory');
  return u.counters;
}

describe('BlastRADIUS: unsigned, forged or unmatched upstream answers are dropped and the login fails closed', () => {
  let fake: FakeUpstream;
  let p: InProcessProxy;
  beforeAll(async () => {
    fake = await FakeUpstream.start(SECRET);
    p = await startProxyFor([{ port: fake.port, secret: SECRET, timeout: 0.4, retries: 0 }], {
      clientYaml: ['mfa_mode: challenge'],
      // Every user exempt: an Access-Accept from the upstream would be a plain Accept to the gateway.
      extraYaml: ['mfa:', '  unenrolled: allow'],
      // Never mark the fake dead: each case must reach it.
      directoryExtra: ['dead_after: 1000'],
    });
  });
  afterAll(async () => {
    await p?.stop();
    await fake?.close();
  });

  const cases: [Misbehaviour, string, string][] = [
    // Authentic but unsigned: the wait ends at once (see transport.ts), as its own reason.
    ['no_message_authenticator', 'dropped_missing_message_authenticator', 'upstream_unsigned'],
    ['wrong_secret', 'dropped_bad_authenticator', 'upstream_timeout'],
    ['tampered_message_authenticator', 'dropped_bad_message_authenticator', 'upstream_timeout'],
    ['wrong_identifier', 'dropped_unmatched', 'upstream_timeout'],
  ];
  it.each(cases)('%s → dropped (%s), Access-Reject %s', async (how, counter, reason) => {
    fake.script = [[how]];
    fake.requests.length = 0;
    const before = counters(p)[counter]!;
    const r = await login(p, 'mallory', 'any-password');
    expect(fake.requests.length).toBe(1);
    expect(r.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ result: 'reject', reason });
    expect(counters(p)[counter]).toBe(before + 1);
  });

  it('a forged answer arriving first does not cancel the wait for the genuine one', async () => {
    fake.script = [['wrong_secret', 'tampered_message_authenticator', 'genuine']];
    fake.requests.length = 0;
    const r = await login(p, 'alice', 'any-password');
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Filter-Id']).toEqual(['fake!']);
    expect(p.audits().at(-1)).toMatchObject({ result: 'accept', reason: 'unenrolled_allowed' });
  });

  it('what the upstream receives: MA first, the password re-hidden with its secret, the NAS attributes, our Proxy-State last', async () => {
    fake.script = [['genuine']];
    fake.requests.length = 0;
    const r = await login(p, 'alice', 'any-password', {
      'NAS-IP-Address': '10.1.0.5',
      'Calling-Station-Id': '"198.51.100.7"',
      'Proxy-State': '0x0102',
    });
    expect(r.code).toBe('Access-Accept');
    const req = fake.requests[0]!;
    expect(req.attributes[0]!.type).toBe(Attr.MessageAuthenticator);
    expect(messageAuthenticatorStatus(req, Buffer.from(SECRET))).toBe('valid');
    const last = req.attributes.at(-1)!;
    expect(last.type).toBe(Attr.ProxyState);
    // Only our own Proxy-State goes upstream; the gateway's is echoed by us.
    expect(allAttributes(req, Attr.ProxyState)).toHaveLength(1);
    expect(last.value.equals(Buffer.from('0102', 'hex'))).toBe(false);
    const hidden = firstAttribute(req, Attr.UserPassword)!;
    const plain = unhidePassword(hidden, Buffer.from(SECRET), req.authenticator);
    expect(plain.ok && plain.value.toString()).toBe('any-password');
    expect(firstAttribute(req, Attr.UserName)!.toString()).toBe('alice');
    expect([...firstAttribute(req, Attr.NasIpAddress)!]).toEqual([10, 1, 0, 5]);
    expect(firstAttribute(req, Attr.CallingStationId)!.toString()).toBe('198.51.100.7');
    // The gateway named its NAS, so no NAS-Identifier of ours is added.
    expect(firstAttribute(req, Attr.NasIdentifier)).toBeUndefined();
  });

  it('adds our NAS-Identifier when the gateway names no NAS (RFC 2865 §4.1)', async () => {
    fake.requests.length = 0;
    await login(p, 'alice', 'any-password');
    expect(firstAttribute(fake.requests[0]!, Attr.NasIdentifier)!.toString()).toBe('mfa-radius-proxy');
  });
});

describe('a real FreeRADIUS that sends no Message-Authenticator is refused', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let p: InProcessProxy;
  beforeAll(async () => {
    up = await startUpstream({ messageAuthenticator: false });
    p = await startProxyFor([{ port: up.port, secret: up.secret, timeout: 0.4, retries: 0 }], {
      extraYaml: ['mfa:', '  exempt_users: [alice]'],
    });
  });
  afterAll(async () => {
    await p?.stop();
    await up?.fr.stop();
  });

  it('its Access-Accept for the right password is dropped; the login fails closed', async () => {
    const r = await login(p, 'alice', 'alice-pw');
    expect(r.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'upstream_unsigned' });
    expect(counters(p).dropped_missing_message_authenticator).toBeGreaterThanOrEqual(1);
    // FreeRADIUS did accept the password: only the missing signature made us refuse it.
    expect(up.fr.output()).toMatch(/Login OK: \[alice/);
  });
});

describe('the gateway budget (nas_timeout): a black-hole upstream', () => {
  let fake: FakeUpstream;
  let p: InProcessProxy;
  beforeAll(async () => {
    fake = await FakeUpstream.start(SECRET);
    fake.script = [['black_hole']];
    // The upstream would be waited on for 10 s x 3; the gateway gives up after 1.5 s.
    p = await startProxyFor([{ port: fake.port, secret: SECRET, timeout: 10, retries: 2 }], {
      clientYaml: ['mfa_mode: challenge', 'nas_timeout: 1.5'],
      extraYaml: ['lockout:', '  max_failures: 1'],
    });
  });
  afterAll(async () => {
    await p?.stop();
    await fake?.close();
  });

  it('answers Access-Reject upstream_timeout before the gateway gives up, without locking the user', async () => {
    const t0 = Date.now();
    const r = await login(p, 'bob', 'any-password');
    const elapsed = Date.now() - t0;
    expect(r.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'upstream_timeout' });
    // Budget 1500 ms minus the 150 ms answer margin, plus radclient's own start-up.
    expect(elapsed).toBeGreaterThanOrEqual(1300);
    expect(elapsed).toBeLessThan(1500 + 300);
    expect(p.audits().at(-1)!.latency_ms).toBeLessThan(1500);
    // max_failures is 1: had the timeout counted, bob would be locked now.
    fake.script = [['genuine']];
    await login(p, 'bob', 'any-password');
    // The upstream was asked again (bob is not enrolled, hence this reason), not user_locked_out.
    expect(p.audits().at(-1)).toMatchObject({ reason: 'not_enrolled' });
  });
});
