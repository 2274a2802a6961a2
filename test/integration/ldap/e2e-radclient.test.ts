import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode } from '../../../src/factors/totp.js';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { runCli } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, startSlapd } from '../../helpers/slapd.js';

const SEED = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';

/** radclient prints octets as 0x…; strings as they are. */
const text = (v: string): string =>
  v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex').toString('utf8') : v;

/** LDAP password + TOTP through the real server, with radclient as the gateway (issue 3). */
describe('LDAP directory end to end (slapd + radclient + oathtool)', () => {
  let ldap: SlapdHarness;
  let p: InProcessProxy;
  let yaml: string[];

  beforeAll(async () => {
    ldap = await startSlapd();
    registerSensitive(ldap.servicePassword, 'alice-pw', 'carol-pw', 'dave-pw', 'bob-pw', SEED);
    yaml = [
      'directory:',
      '  type: ldap',
      '  flavour: openldap',
      `  servers: ["${ldap.url}"]`,
      `  bind_dn: "${ldap.serviceDn}"`,
      `  bind_password: "${ldap.servicePassword}"`,
      `  base_dn: "${ldap.suffix}"`,
      '  upn_suffixes: [example.org]',
      '  timeout_ms: 3000',
      'policy:',
      '  allow_groups: [vpn-users]',
      '  rules:',
      '    - name: helpdesk',
      '      groups: [helpdesk]',
      '      mfa: exempt',
      '      reply:',
      '        - { attribute: Filter-Id, value: helpdesk-acl }',
      '    - name: admins',
      '      groups: [vpn-admins]',
      '      reply:',
      '        - { attribute: Class, value: "OU={group};" }',
      '        - { attribute: Fortinet-Group-Name, value: "{groups}", groups: all }',
      '    - name: staff',
      '      groups: [vpn-users]',
      '      reply:',
      '        - { attribute: Filter-Id, value: staff-acl }',
      '        - { attribute: Citrix-User-Groups, value: "CTXSUserGroups={groups}", groups: all }',
    ];
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'], extraYaml: yaml });
    const seed = base32Decode(SEED);
    if (!seed.ok) throw new Error('seed');
    for (const id of ['alice', 'carol']) p.app.store.tokens.add(id, { secret: seed.value });
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await ldap?.stop();
  });

  const login = (user: string, password: string, extra: Record<string, string> = {}) =>
    radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote(user), 'User-Password': quote(password), ...extra },
    });

  it('directory password + TOTP by challenge → Access-Accept carrying the group attributes', async () => {
    const c = await login('alice', 'alice-pw');
    expect(c.code).toBe('Access-Challenge');
    const a = await login('alice', oathCode(SEED, p.clock.now()), { State: `0x${c.state!.toString('hex')}` });
    expect(a.code).toBe('Access-Accept');
    expect(a.attributes['Filter-Id']).toEqual(['staff-acl']);
    // radclient's dictionary knows Citrix under vendor 66 (legacy); ours sends NetScaler's 3845/16.
    expect(a.attributes['Attr-26.3845.16']?.map(text)).toEqual(['CTXSUserGroups=vpn-users']);
    expect(p.audits().at(-1)).toMatchObject({ result: 'accept', reason: 'mfa_ok', identity: 'alice' });
  });

  it('nested group membership picks the admins rule, with ASA Class and FortiGate group names', async () => {
    p.clock.advance(60_000);
    // carol is in vpn-admins, itself a member of vpn-users; the UPN spelling is the same person.
    const c = await login('carol@example.org', 'carol-pw');
    expect(c.code).toBe('Access-Challenge');
    const a = await login('carol@example.org', oathCode(SEED, p.clock.now()), {
      State: `0x${c.state!.toString('hex')}`,
    });
    expect(a.code).toBe('Access-Accept');
    expect(a.attributes.Class?.map(text)).toEqual(['OU=vpn-admins;']);
    expect(a.attributes['Fortinet-Group-Name']?.[0]).toMatch(/vpn-admins/);
    expect(a.attributes['Fortinet-Group-Name']?.[0]).toMatch(/vpn-users/);
    expect(p.audits().at(-1)).toMatchObject({ identity: 'carol' });
  });

  it('an exempt group gets in on the directory password alone', async () => {
    const a = await login('dave', 'dave-pw');
    expect(a.code).toBe('Access-Accept');
    expect(a.attributes['Filter-Id']).toEqual(['helpdesk-acl']);
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_exempt' });
  });

  it('a user outside the allowed groups is rejected after a good password, without a code', async () => {
    const r = await login('bob', 'bob-pw');
    expect(r.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'not_in_allowed_group' });
  });

  it('a wrong directory password is a reject, with no challenge', async () => {
    expect((await login('alice', 'nope')).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'bad_password', identity: 'alice' });
  });

  it('directory test USER shows the DN, nested groups, the rule and the reply attributes', async () => {
    const file = join(p.dir, 'cli.yaml');
    writeFileSync(
      file,
      [
        `data_dir: ${join(p.dir, 'data')}`,
        'clients:',
        '  - name: x',
        '    address: 127.0.0.1',
        '    secret: "abcdefghijk"',
        ...yaml,
        '',
      ].join('\n'),
    );
    const r = await runCli(['directory', 'test', 'carol', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('uid=carol,ou=people,dc=example,dc=org');
    expect(r.stdout).toMatch(/groups\s+.*vpn-admins.*vpn-users|groups\s+.*vpn-users.*vpn-admins/);
    expect(r.stdout).toContain('rule "admins"');
    expect(r.stdout).toContain('a code will be asked');
    expect(r.stdout).toMatch(/reply\s+Class = OU=vpn-admins;/);
    const bob = await runCli(['directory', 'test', 'bob', '--config', file]);
    expect(bob.stdout).toContain('NOT ALLOWED');
    expect(r.stdout + bob.stdout).not.toContain(ldap.servicePassword);
  });
});
