import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { EnrolmentService } from '../../../src/services/enrolment-service.js';
import { createIdentityResolver } from '../../../src/services/identity-resolver.js';
import { cryptoRng, systemClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';
import { oathCode } from '../../helpers/oathtool.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, startSlapd } from '../../helpers/slapd.js';

const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** Issue 9, item 11: an enrolment is stored under the identity a login resolves to. */
describe('enrolment under an LDAP directory (slapd)', () => {
  let slapd: SlapdHarness;
  let p: ProxyHandle;
  const ldapYaml = (h: SlapdHarness) =>
    [
      'directory:',
      '  type: ldap',
      '  flavour: openldap',
      `  servers: [${h.url}]`,
      `  bind_dn: ${JSON.stringify(h.serviceDn)}`,
      `  bind_password: ${JSON.stringify(h.servicePassword)}`,
      `  base_dn: ${JSON.stringify(h.suffix)}`,
      '  login_domains: [EXAMPLE]',
      '  timeout_ms: 1000',
    ].join('\n');

  beforeAll(async () => {
    slapd = await startSlapd();
    registerSensitive(SEED, 'alice-pw');
    p = await startProxy({
      configYaml: ({ port, secret, dataDir }) =>
        [
          'listen:',
          '  - address: 127.0.0.1',
          `    auth_port: ${port}`,
          `data_dir: ${dataDir}`,
          ldapYaml(slapd),
          'clients:',
          '  - name: vpn',
          '    address: 127.0.0.0/8',
          `    secret: ${JSON.stringify(secret)}`,
          '    mfa_mode: concat',
          '',
        ].join('\n'),
    });
  }, 60_000);
  afterAll(async () => {
    await p?.stop();
    await slapd?.stop();
  });

  it("token add 'EXAMPLE\\Alice' enrols alice, and the login EXAMPLE\\alice finds the token", async () => {
    const t = await p.cli(['token', 'add', 'EXAMPLE\\Alice', '--secret', SEED]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('enrolled for alice');
    const list = JSON.parse((await p.cli(['token', 'list', '--json'])).stdout) as Array<{ identity: string }>;
    expect(list.map((x) => x.identity)).toEqual(['alice']);
    const r = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('EXAMPLE\\alice'), 'User-Password': quote(`alice-pw${oathCode(SEED)}`) },
    });
    expect(r.code).toBe('Access-Accept');
  });

  it('an unknown directory user is refused with MFA_ERR_USER_NOT_FOUND', async () => {
    const r = await p.cli(['token', 'add', 'EXAMPLE\\nosuchuser', '--secret', SEED]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^MFA_ERR_USER_NOT_FOUND: no user 'EXAMPLE\\nosuchuser' in the directory/m);
  });

  it('an unreachable directory says so with MFA_ERR_DIRECTORY_UNAVAILABLE and enrols nothing (service)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-enrol-'));
    const { config } = parseConfig({
      file: join(dir, 'c.yaml'),
      text: `data_dir: ${join(dir, 'data')}\n${ldapYaml(slapd)}\nclients:\n  - name: v\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n`,
    });
    const store = Store.open(config.data_dir);
    const resolver = createIdentityResolver(config, store);
    const svc = new EnrolmentService({ config, store, resolver, rng: cryptoRng, clock: systemClock });
    try {
      const found = await svc.enrol('EXAMPLE\\bob', {});
      expect(found.ok && found.value.identity).toMatchObject({ identityId: 'bob', via: 'ldap' });
      await slapd.kill();
      const down = await svc.enrol('carol', {});
      expect(down.ok).toBe(false);
      expect(!down.ok && down.error.code).toBe('MFA_ERR_DIRECTORY_UNAVAILABLE');
      expect(!down.ok && down.error.message).toContain(slapd.url);
      expect(store.tokens.listFor('carol')).toEqual([]);
    } finally {
      await slapd.restart();
      await resolver.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an upstream RADIUS directory cannot be asked: the name is canonicalised and the note says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mfa-enrol-'));
    const { config } = parseConfig({
      file: join(dir, 'c.yaml'),
      text: `data_dir: ${join(dir, 'data')}\ndirectory:\n  type: radius\n  servers:\n    - address: 127.0.0.1\n      secret: "upstream-secret-20c"\nclients:\n  - name: v\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n`,
    });
    const store = Store.open(config.data_dir);
    const resolver = createIdentityResolver(config, store);
    try {
      const r = await new EnrolmentService({
        config,
        store,
        resolver,
        rng: cryptoRng,
        clock: systemClock,
      }).enrol(' Frank ', {});
      expect(r.ok && r.value.identity.identityId).toBe('frank');
      expect(r.ok && r.value.identity.note).toContain('cannot be asked');
    } finally {
      await resolver.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
