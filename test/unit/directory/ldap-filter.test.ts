import { describe, expect, it } from 'vitest';
import {
  directMemberFilter,
  escapeValue,
  inChainFilter,
  userFilter,
} from '../../../src/directory/ldap-filter.js';
import { DEFAULT_USER_FILTER } from '../../../src/directory/ldap-settings.js';

describe('LDAP filter building (RFC 4515 §3 escaping)', () => {
  it.each([
    ['*', '\\2a'],
    ['(', '\\28'],
    [')', '\\29'],
    ['\\', '\\5c'],
    ['\u0000', '\\00'],
    ['a*)(uid=*', 'a\\2a\\29\\28uid=\\2a'],
    ['plain', 'plain'],
    ['ünï', 'ünï'],
  ])('escapes %j as %j', (input, out) => {
    expect(escapeValue(input)).toBe(out);
  });

  it('fills {user}, {upn} and {login} with escaped values', () => {
    const login = { form: 'down_level' as const, user: 'a*', upn: 'a*', login: 'EX\\a*', domain: 'EX' };
    expect(userFilter('(|(uid={user})(upn={upn})(x={login}))', login)).toBe(
      '(|(uid=a\\2a)(upn=a\\2a)(x=EX\\5ca\\2a))',
    );
  });

  it('AD default filter: people only, sAMAccountName or UPN', () => {
    const login = {
      form: 'upn' as const,
      user: 'alice',
      upn: 'alice@example.com',
      login: 'alice@example.com',
    };
    expect(userFilter(DEFAULT_USER_FILTER.ad, login)).toBe(
      '(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=alice)(userPrincipalName=alice@example.com)))',
    );
  });

  it('escapes DNs put into group filters (a DN may hold a backslash)', () => {
    const dn = 'CN=Smith\\, John,OU=People,DC=x';
    expect(inChainFilter('(objectClass=group)', 'member', dn)).toBe(
      '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Smith\\5c, John,OU=People,DC=x))',
    );
    expect(directMemberFilter('(objectClass=g)', 'member', [dn])).toBe(
      '(&(objectClass=g)(member=CN=Smith\\5c, John,OU=People,DC=x))',
    );
    expect(directMemberFilter('(objectClass=g)', 'member', ['a', 'b'])).toBe(
      '(&(objectClass=g)(|(member=a)(member=b)))',
    );
  });
});
