import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../../src/factors/totp.js';
import { oathCode } from '../../helpers/oathtool.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, startSlapd } from '../../helpers/slapd.js';

/**
 * Issue 11, item 6, under a directory (slapd): the OATH CSV's upn is resolved as a login resolves
 * it (`upn_suffixes` maps alice@example.org to the account alice), so the imported token is found
 * by the login `alice`; an upn the directory does not know is refused, nothing enrolled for it.
 */
describe('import oath-csv under an LDAP directory', () => {
  let slapd: SlapdHarness;
  let p: ProxyHandle;
  const dir = mkdtempSync(join(tmpdir(), 'mfa-import-ldap-'));
  const SEED = base32Encode(randomBytes(20));
  registerSensitive(SEED, 'alice-pw');

  beforeAll(async () => {
    slapd = await startSlapd();
    p = await startProxy({
      configYaml: ({ port, secret, dataDir }) =>
        [
          'listen:',
          '  - address: 127.0.0.1',
          `    auth_port: ${port}`,
          `data_dir: ${dataDir}`,
          'directory:',
          '  type: ldap',
          '  flavour: openldap',
          `  servers: [${slapd.url}]`,
          `  bind_dn: ${JSON.stringify(slapd.serviceDn)}`,
          `  bind_password: ${JSON.stringify(slapd.servicePassword)}`,
          `  base_dn: ${JSON.stringify(slapd.suffix)}`,
          '  upn_suffixes: [example.org]',
          '  timeout_ms: 1000',
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
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrols the token under the directory identity; the login alice uses it; an unknown upn is refused', async () => {
    const file = join(dir, 'tokens.csv');
    const other = base32Encode(randomBytes(20));
    registerSensitive(other);
    writeFileSync(
      file,
      `upn,serial number,secret key,time interval,manufacturer,model\nAlice@example.org,777,${SEED},30,,\nnosuch@example.org,778,${other},30,,\n`,
    );
    const r = await p.cli(['import', 'oath-csv', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /line 2 +Alice@example.org +imported +token serial 777, 30 s: token \d+ \(alice\)/,
    );
    expect(r.stdout).toMatch(
      /line 3 +nosuch@example.org +refused +unknown_user: no user 'nosuch@example.org' in the directory/,
    );
    const list = JSON.parse((await p.cli(['token', 'list', '--json'])).stdout) as Array<{ identity: string }>;
    expect(list.map((t) => t.identity)).toEqual(['alice']);
    const login = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('alice'), 'User-Password': quote(`alice-pw${oathCode(SEED)}`) },
    });
    expect(login.code).toBe('Access-Accept');
  });
});
