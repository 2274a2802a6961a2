import { describe, expect, it } from 'vitest';
import { dnKey, firstRdnValue } from '../../../src/directory/dn-names.js';

describe('firstRdnValue', () => {
  it.each([
    ['CN=vpn-users,OU=Groups,DC=x', 'vpn-users'],
    ['cn=Sales\\, EMEA,ou=groups,dc=x', 'Sales, EMEA'],
    ['CN=a\\2Cb,DC=x', 'a,b'],
    ['CN=caf\\C3\\A9,DC=x', 'café'],
    ['CN=back\\\\slash,DC=x', 'back\\slash'],
    ['CN=multi+UID=1,DC=x', 'multi'],
    ['CN= padded ,DC=x', 'padded'],
    ['no-equals', 'no-equals'],
  ])('%s → %s', (dn, name) => {
    expect(firstRdnValue(dn)).toBe(name);
  });
});

describe('dnKey', () => {
  it('ignores case and spaces around separators, keeps escapes', () => {
    expect(dnKey('CN=VPN Users, OU=Groups , DC=Example')).toBe('cn=vpn users,ou=groups,dc=example');
    expect(dnKey('cn = a\\, b,dc=x')).toBe('cn=a\\, b,dc=x');
    expect(dnKey('CN=a\\,b,DC=x')).not.toBe(dnKey('CN=a,CN=b,DC=x'));
  });
});
