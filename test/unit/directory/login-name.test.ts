import { describe, expect, it } from 'vitest';
import { canonicalId, parseLoginName } from '../../../src/directory/login-name.js';

const ad = { downLevel: true, loginDomains: [], upnSuffixes: [] };

describe('parseLoginName', () => {
  it('plain names pass through', () => {
    expect(parseLoginName('alice', ad)).toEqual({
      ok: true,
      value: { form: 'plain', user: 'alice', upn: 'alice', login: 'alice' },
    });
  });

  it('DOMAIN\\user: strips any domain when login_domains is empty', () => {
    expect(parseLoginName('EXAMPLE\\alice', ad)).toMatchObject({
      ok: true,
      value: { form: 'down_level', user: 'alice', upn: 'alice', domain: 'EXAMPLE', login: 'EXAMPLE\\alice' },
    });
  });

  it('DOMAIN\\user: only listed domains (case-insensitive) when login_domains is set', () => {
    const rules = { ...ad, loginDomains: ['EXAMPLE'] };
    expect(parseLoginName('example\\alice', rules)).toMatchObject({ ok: true, value: { user: 'alice' } });
    expect(parseLoginName('OTHER\\alice', rules)).toMatchObject({ ok: false });
  });

  it('rejects an empty domain or user part', () => {
    expect(parseLoginName('\\alice', ad).ok).toBe(false);
    expect(parseLoginName('EXAMPLE\\', ad).ok).toBe(false);
  });

  it('a backslash is an ordinary character when down-level names are off (OpenLDAP)', () => {
    expect(parseLoginName('back\\slash', { ...ad, downLevel: false })).toMatchObject({
      ok: true,
      value: { form: 'plain', user: 'back\\slash' },
    });
  });

  it('user@suffix: the local part is the account name only for configured suffixes', () => {
    const rules = { ...ad, upnSuffixes: ['Example.com'] };
    expect(parseLoginName('alice@example.COM', rules)).toMatchObject({
      ok: true,
      value: { form: 'upn', user: 'alice', upn: 'alice@example.COM', domain: 'example.COM' },
    });
    expect(parseLoginName('alice@other.com', rules)).toMatchObject({
      ok: true,
      value: { form: 'upn', user: 'alice@other.com', upn: 'alice@other.com' },
    });
  });

  it('uses the last @ and ignores a leading or trailing one', () => {
    expect(parseLoginName('a@b@example.com', { ...ad, upnSuffixes: ['example.com'] })).toMatchObject({
      value: { user: 'a@b' },
    });
    expect(parseLoginName('@alice', ad)).toMatchObject({ value: { form: 'plain' } });
    expect(parseLoginName('alice@', ad)).toMatchObject({ value: { form: 'plain' } });
  });

  it('rejects empty and over-long names (RFC 2865 §5.1: 253 octets)', () => {
    expect(parseLoginName('', ad).ok).toBe(false);
    expect(parseLoginName('a'.repeat(254), ad).ok).toBe(false);
    expect(parseLoginName('a'.repeat(253), ad).ok).toBe(true);
  });
});

describe('canonicalId', () => {
  it('lower-cases and NFC-normalises', () => {
    expect(canonicalId('ALICE')).toBe('alice');
    expect(canonicalId('Jose\u0301')).toBe('jos\u00e9');
  });
});
