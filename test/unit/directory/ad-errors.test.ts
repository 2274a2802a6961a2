import { describe, expect, it } from 'vitest';
import { adSubCode, bindFailureReason } from '../../../src/directory/ad-errors.js';

const ad = (sub: string) =>
  `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${sub}, v4563 Code: 0x31`;

describe('AD bind sub-codes', () => {
  it.each([
    ['52e', 'bad_password'],
    ['525', 'no_such_user'],
    ['530', 'logon_restricted'],
    ['531', 'logon_restricted'],
    ['532', 'password_expired'],
    ['533', 'account_disabled'],
    ['701', 'account_expired'],
    ['773', 'password_must_change'],
    ['775', 'account_locked'],
  ])('data %s → %s', (sub, reason) => {
    expect(bindFailureReason(49, ad(sub))).toBe(reason);
  });

  it('reads upper case and zero-padded sub-codes', () => {
    expect(adSubCode('comment: AcceptSecurityContext error, data 0000052E, v1db1')).toBe('52e');
    expect(bindFailureReason(49, 'AcceptSecurityContext error, data 00000775, v1db1')).toBe('account_locked');
  });

  it('treats an unknown or missing sub-code (OpenLDAP, FreeIPA) as a bad password', () => {
    expect(bindFailureReason(49, ad('999'))).toBe('bad_password');
    expect(bindFailureReason(49, 'Invalid Credentials Code: 0x31')).toBe('bad_password');
    expect(adSubCode('no data here')).toBeUndefined();
  });

  it('does not read a sub-code out of other words', () => {
    expect(adSubCode('metadata 775')).toBeUndefined();
  });

  it('maps server-side refusals (TLS required, busy, unavailable) to directory_unavailable', () => {
    for (const code of [7, 8, 13, 51, 52])
      expect(bindFailureReason(code, ad('775'))).toBe('directory_unavailable');
  });

  it('maps other result codes of a bind to bad_password', () => {
    expect(bindFailureReason(53, 'unwilling to perform')).toBe('bad_password');
    expect(bindFailureReason(48, 'inappropriate authentication')).toBe('bad_password');
  });
});
