import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oathCode } from '../../helpers/oathtool.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';

/**
 * Issue 12, item 4: the built app, a client configured by nothing but its preset, and radclient as
 * the gateway. `fortigate` and `rras` differ most visibly: the one challenges for the code, the
 * other takes password and code in one field and never challenges.
 */

const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const PASSWORD = 'preset-password-1';
const DEFAULT_PROMPT = 'Enter the 6-digit code from your authenticator app';

async function proxyWithPreset(preset: string): Promise<ProxyHandle> {
  registerSensitive(PASSWORD, SEED);
  // The client's only MFA line is the preset (startProxy's default `mfa_mode: auto` is replaced).
  const p = await startProxy({ clientExtra: `preset: ${preset}` });
  expect((await p.cli(['user', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
  expect((await p.cli(['token', 'add', 'alice', '--secret', SEED])).code).toBe(0);
  return p;
}

const login = (p: ProxyHandle, password: string, extra: Record<string, string> = {}) =>
  radclient({
    server: p.server,
    secret: p.secret,
    attrs: { 'User-Name': quote('alice'), 'User-Password': quote(password), ...extra },
  });

describe('preset: fortigate (challenge), the built app and radclient', () => {
  let p: ProxyHandle;
  beforeAll(async () => {
    p = await proxyWithPreset('fortigate');
  });
  afterAll(() => p?.stop());

  it('check-config shows what the preset set', async () => {
    const r = await p.cli(['check-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('client vpn: preset fortigate: mfa_mode="challenge" nas_timeout=60\n');
  });

  it('password and code in one field are not split: the whole field is a wrong password', async () => {
    const r = await login(p, `${PASSWORD}${oathCode(SEED)}`);
    expect(r.code).toBe('Access-Reject');
    expect(await p.waitFor((e) => e.event === 'auth' && e.result === 'reject')).toMatchObject({
      reason: 'bad_password',
    });
  });

  it('the password gets an Access-Challenge, the code with its State an Access-Accept', async () => {
    const first = await login(p, PASSWORD);
    expect(first.code).toBe('Access-Challenge');
    expect(first.attributes['Reply-Message']?.[0]).toBe(DEFAULT_PROMPT);
    const second = await login(p, oathCode(SEED), { State: `0x${first.state!.toString('hex')}` });
    expect(second.code).toBe('Access-Accept');
    expect(await p.waitFor((e) => e.event === 'auth' && e.result === 'accept')).toMatchObject({
      client: 'vpn',
      reason: 'mfa_ok',
    });
  });
});

describe('preset: rras (concat), the built app and radclient', () => {
  let p: ProxyHandle;
  beforeAll(async () => {
    p = await proxyWithPreset('rras');
  });
  afterAll(() => p?.stop());

  it('check-config shows what the preset set', async () => {
    const r = await p.cli(['check-config']);
    expect(r.stdout).toContain('client vpn: preset rras: mfa_mode="concat" nas_timeout=60\n');
  });

  it('the password alone is rejected, never challenged (the Windows client could not answer)', async () => {
    const r = await login(p, PASSWORD);
    expect(r.code).toBe('Access-Reject');
    expect(await p.waitFor((e) => e.event === 'auth')).toMatchObject({
      result: 'reject',
      mode: 'concat',
      reason: 'missing_code',
    });
  });

  it('password immediately followed by the code: Access-Accept in one request', async () => {
    const r = await login(p, `${PASSWORD}${oathCode(SEED)}`);
    expect(r.code).toBe('Access-Accept');
    expect(await p.waitFor((e) => e.event === 'auth' && e.result === 'accept')).toMatchObject({
      reason: 'mfa_ok',
      mode: 'concat',
    });
  });
});
