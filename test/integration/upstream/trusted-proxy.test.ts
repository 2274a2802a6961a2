import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { ALICE_SEED, enrol, login, startProxyFor, startUpstream, upstreamLogins } from './upstream-env.js';

/** The gateways behind the NPS-like proxy: a RRAS box by NAS-IP-Address, a NetScaler by NAS-Identifier. */
const gateways = [
  'gateways:',
  '  - name: rras',
  '    nas_ip_address: 10.1.0.0/24',
  '    mfa_mode: concat',
  '  - name: netscaler',
  '    nas_identifier: NS-SECONDARY',
  '    mfa_mode: second_factor_only',
];

describe('a trusted RADIUS proxy in front (e.g. NPS forwarding from a connection request policy)', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let trusted: InProcessProxy;
  let untrusted: InProcessProxy;
  beforeAll(async () => {
    up = await startUpstream();
    const servers = [{ port: up.port, secret: up.secret }];
    trusted = await startProxyFor(servers, {
      clientYaml: ['mfa_mode: challenge', 'trusted_proxy: true', ...gateways],
    });
    untrusted = await startProxyFor(servers, { clientYaml: ['mfa_mode: challenge', ...gateways] });
    enrol(trusted, 'alice', ALICE_SEED);
    enrol(untrusted, 'alice', ALICE_SEED);
  });
  afterAll(async () => {
    await trusted?.stop();
    await untrusted?.stop();
    await up?.fr.stop();
  });

  it('identifies the original gateway by NAS-IP-Address: its settings (concat) apply, audit names it', async () => {
    const r = await login(trusted, 'alice', `alice-pw${oathCode(ALICE_SEED, trusted.clock.now())}`, {
      'NAS-IP-Address': '10.1.0.5',
      'Proxy-State': '0x6e7073',
    });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['Proxy-State']).toEqual(['0x6e7073']);
    expect(trusted.audits().at(-1)).toMatchObject({
      result: 'accept',
      client: 'vpn/rras',
      via: 'vpn',
      nas_ip: '10.1.0.5',
      mode: 'concat',
    });
  });

  it('identifies a gateway by NAS-Identifier: second-factor-only, the upstream is not asked', async () => {
    trusted.clock.advance(60_000);
    const before = upstreamLogins(up.fr, 'alice');
    const r = await login(trusted, 'alice', oathCode(ALICE_SEED, trusted.clock.now()), {
      'NAS-Identifier': '"ns-secondary"',
    });
    expect(r.code).toBe('Access-Accept');
    expect(trusted.audits().at(-1)).toMatchObject({
      client: 'vpn/netscaler',
      via: 'vpn',
      nas_id: 'ns-secondary',
      reason: 'second_factor_only_ok',
    });
    expect(upstreamLogins(up.fr, 'alice')).toBe(before);
  });

  it('an unknown gateway behind the proxy gets the proxy client settings (challenge)', async () => {
    const r = await login(trusted, 'alice', 'alice-pw', { 'NAS-IP-Address': '192.0.2.1' });
    expect(r.code).toBe('Access-Challenge');
    expect(trusted.audits().at(-1)).toMatchObject({ client: 'vpn', nas_ip: '192.0.2.1', mode: 'challenge' });
    expect(trusted.audits().at(-1)!.via).toBeUndefined();
  });

  it('the answer to a challenge must come through the same original gateway', async () => {
    const c = await login(trusted, 'alice', 'alice-pw', { 'NAS-IP-Address': '192.0.2.1' });
    expect(c.code).toBe('Access-Challenge');
    const r = await login(trusted, 'alice', oathCode(ALICE_SEED, trusted.clock.now() + 30_000), {
      State: `0x${c.state!.toString('hex')}`,
      'NAS-IP-Address': '10.1.0.5',
    });
    expect(r.code).toBe('Access-Reject');
    expect(trusted.audits().at(-1)).toMatchObject({ reason: 'state_mismatch' });
  });

  it('a client not marked trusted cannot pick settings by claiming a NAS-IP-Address', async () => {
    const r = await login(untrusted, 'alice', 'alice-pw', { 'NAS-IP-Address': '10.1.0.5' });
    expect(r.code).toBe('Access-Challenge');
    expect(untrusted.audits().at(-1)).toMatchObject({ client: 'vpn', nas_ip: '10.1.0.5', mode: 'challenge' });
  });
});
