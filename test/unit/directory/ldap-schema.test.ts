import { describe, expect, it } from 'vitest';
import { ldapDirectorySchema } from '../../../src/directory/ldap-schema.js';
import { resolveLdapSettings } from '../../../src/directory/ldap-settings.js';

const minimal = {
  type: 'ldap',
  servers: ['ldaps://dc1.example.com'],
  bind_dn: 'CN=svc,CN=Users,DC=example,DC=com',
  bind_password: 'secret',
  base_dn: 'DC=example,DC=com',
};

describe('directory: { type: ldap } schema', () => {
  it('fills safe defaults (AD flavour, verification on, cache 60 s)', () => {
    const c = ldapDirectorySchema.parse(minimal);
    expect(c).toMatchObject({
      flavour: 'ad',
      start_tls: false,
      verify_certificate: true,
      timeout_ms: 5000,
      reuse_connections: true,
      group_cache_ttl_sec: 60,
      attributes: { mobile: 'mobile', phone: 'telephoneNumber', mail: 'mail' },
      groups: { strategy: 'auto', member_attribute: 'member', max_depth: 10 },
      login_domains: [],
      upn_suffixes: [],
    });
  });

  it('resolves flavour defaults: AD', () => {
    const s = resolveLdapSettings(ldapDirectorySchema.parse(minimal));
    expect(s).toMatchObject({
      idAttribute: 'sAMAccountName',
      displayNameAttribute: 'displayName',
      groupStrategy: 'in_chain',
      groupBaseDn: 'DC=example,DC=com',
      groupObjectFilter: '(objectClass=group)',
    });
    expect(s.userFilter).toContain('(sAMAccountName={user})');
  });

  it('resolves flavour defaults: OpenLDAP', () => {
    const s = resolveLdapSettings(ldapDirectorySchema.parse({ ...minimal, flavour: 'openldap' }));
    expect(s).toMatchObject({
      idAttribute: 'uid',
      groupStrategy: 'member',
      userFilter: '(&(objectClass=person)(uid={user}))',
    });
  });

  it('keeps explicit choices', () => {
    const s = resolveLdapSettings(
      ldapDirectorySchema.parse({
        ...minimal,
        user_filter: '(&(objectClass=user)(mail={login}))',
        id_attribute: 'mail',
        groups: { strategy: 'memberof', base_dn: 'OU=Groups,DC=example,DC=com' },
      }),
    );
    expect(s).toMatchObject({
      userFilter: '(&(objectClass=user)(mail={login}))',
      idAttribute: 'mail',
      groupStrategy: 'memberof',
    });
    expect(s.groupBaseDn).toBe('OU=Groups,DC=example,DC=com');
  });

  it.each([
    [{ servers: [] }, 'servers'],
    [{ servers: ['http://dc1'] }, 'servers'],
    [{ servers: ['ldap://dc1/dc=x'] }, 'servers'],
    [{ user_filter: 'uid={user}' }, 'user_filter'],
    [{ user_filter: '(uid=alice)' }, 'user_filter'],
    [{ user_filter: '(&(uid={user})' }, 'user_filter'],
    [{ bind_password: '' }, 'bind_password'],
    [{ timeout_ms: 10 }, 'timeout_ms'],
    [{ flavour: 'novell' }, 'flavour'],
    [{ start_tls: true, servers: ['ldaps://dc1'] }, 'start_tls'],
    [{ unknown_key: 1 }, ''],
  ])('rejects %j', (over, path) => {
    const r = ldapDirectorySchema.safeParse({ ...minimal, ...over });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).join(' ')).toContain(path);
  });

  it('an escaped parenthesis does not unbalance a filter', () => {
    expect(
      ldapDirectorySchema.safeParse({ ...minimal, user_filter: '(&(cn=a\\29b)(uid={user}))' }).success,
    ).toBe(true);
  });
});
