import { describe, expect, it } from 'vitest';
import {
  isKnownRegion,
  maskForLog,
  maskForPrompt,
  normalisePhoneNumber,
  type PhoneNumber,
  type PhoneNumberErrorKind,
} from '../../../src/sms/phone-number.js';

// Mobile numbers are the example numbers of each plan (libphonenumber's own examples), so they
// are valid mobiles but nobody's phone.
const accepted: ReadonlyArray<[string, string | undefined, string, string]> = [
  // [directory value, default country, E.164, region]
  ['+49 151 2345 6789', 'DE', '+4915123456789', 'DE'],
  ['0151/23456789', 'DE', '+4915123456789', 'DE'],
  ['(0151) 234-56789', 'DE', '+4915123456789', 'DE'],
  ['0049151 23456789', 'DE', '+4915123456789', 'DE'],
  ['0049 (0) 151 23456789', 'DE', '+4915123456789', 'DE'],
  ['+49 (0)151 23456789', 'DE', '+4915123456789', 'DE'],
  ['+49-151-23456789', 'DE', '+4915123456789', 'DE'],
  ['  +4915123456789  ', 'DE', '+4915123456789', 'DE'],
  ['tel:+4915123456789', 'DE', '+4915123456789', 'DE'], // RFC 3966
  ['TEL:+43664123456', 'DE', '+43664123456', 'AT'],
  ['０１５１ ２３４５６７８９', 'DE', '+4915123456789', 'DE'], // full-width digits (copied from a web form)
  ['+4915123456789', undefined, '+4915123456789', 'DE'], // international form needs no default
  ['0664 123456', 'AT', '+43664123456', 'AT'],
  ['+43 664 123456', 'DE', '+43664123456', 'AT'],
  ['0041 78 123 45 67', 'DE', '+41781234567', 'CH'],
  ['078 123 45 67', 'CH', '+41781234567', 'CH'],
  ['06 12 34 56 78', 'FR', '+33612345678', 'FR'],
  ['07400 123456', 'GB', '+447400123456', 'GB'],
  ['312 345 6789', 'IT', '+393123456789', 'IT'], // Italian mobiles have no trunk 0
  ['(201) 555-0123', 'US', '+12015550123', 'US'],
  ['011 49 151 23456789', 'US', '+4915123456789', 'DE'], // NANP's international prefix
  ['+1 201 555 0123', 'DE', '+12015550123', 'US'],
  // +1 is 25 regions: the area code decides which.
  ['+1 506 234 5678', 'DE', '+15062345678', 'CA'],
  ['+1 876 210 1234', 'DE', '+18762101234', 'JM'],
  ['(876) 210-1234', 'US', '+18762101234', 'JM'],
];

const refused: ReadonlyArray<[string, string | undefined, PhoneNumberErrorKind]> = [
  ['', 'DE', 'empty'],
  ['   ', 'DE', 'empty'],
  ['+49 151 2345 6789 / +49 151 2345 6780 (home)', 'DE', 'input_too_long'], // two numbers in one value
  ['abc', 'DE', 'not_a_number'],
  ['n/a', 'DE', 'not_a_number'],
  // The value must be a number and nothing else: no picking a number out of text.
  ['mobil: +49 151 23456789', 'DE', 'not_a_number'],
  ['+49 151 23456789 (privat)', 'DE', 'not_a_number'],
  ['+49 151 23456789, +49 171 2345678', 'DE', 'not_a_number'],
  ['+49 151 2345 6789x', 'DE', 'not_a_number'],
  ['++49 151 23456789', 'DE', 'not_a_number'],
  ['tel:', 'DE', 'empty'],
  ['0151 23456789', undefined, 'no_default_country'],
  ['(201) 555-0123', undefined, 'no_default_country'],
  ['+999 1234567', 'DE', 'unknown_calling_code'],
  ['1', 'DE', 'too_short'],
  ['+49 151', 'DE', 'too_short'],
  ['+49 151 2345 6789 1234', 'DE', 'too_long'], // 17 digits: over E.164's 15
  ['012345', 'DE', 'invalid'],
  ['+44 7700 900123', 'DE', 'invalid'], // Ofcom's range reserved for drama: no real number
  // Extensions: a desk phone; refused, not silently dropped.
  ['+1 (201) 555-0123 x123', 'DE', 'has_extension'],
  ['+49 151 23456789 ext. 12', 'DE', 'has_extension'],
  ['+49 151 23456789;ext=5', 'DE', 'has_extension'],
  ['tel:+4915123456789;ext=5', 'DE', 'has_extension'],
  // Not a mobile.
  ['+49 30 123456', 'DE', 'not_mobile'], // Berlin landline
  ['030 123456', 'DE', 'not_mobile'],
  ['+49 900 1234567', 'DE', 'not_mobile'], // premium rate
  ['+1 800 555 0100', 'DE', 'not_mobile'], // toll free
  ['+41 44 668 18 00', 'DE', 'not_mobile'], // Zurich landline
  // No country: satellite networks.
  ['+881 2 1234 5678', 'DE', 'no_region'],
];

describe('normalisePhoneNumber', () => {
  it.each(accepted)('%j (default %s) is %s in %s', (raw, defaultCountry, e164, region) => {
    const r = normalisePhoneNumber(raw, { defaultCountry });
    expect(r).toEqual({ ok: true, value: { e164, callingCode: expect.stringMatching(/^\d{1,3}$/), region } });
    if (r.ok) expect(e164.startsWith(`+${r.value.callingCode}`)).toBe(true);
  });

  it.each(refused)('%j (default %s) is refused as %s', (raw, defaultCountry, kind) => {
    const r = normalisePhoneNumber(raw, { defaultCountry });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe(kind);
    expect(r.error.message.length).toBeGreaterThan(10);
  });

  it('never puts the number in an error message', () => {
    const digits = /\d{4,}/;
    for (const [raw, defaultCountry] of refused) {
      const r = normalisePhoneNumber(raw, { defaultCountry });
      if (!r.ok) expect(r.error.message).not.toMatch(digits);
    }
  });

  it('reports an unknown default country instead of throwing', () => {
    const r = normalisePhoneNumber('0151 23456789', { defaultCountry: 'XX' });
    expect(r).toMatchObject({ ok: false, error: { kind: 'no_default_country' } });
  });

  it('gives the calling code separately: 1 for every NANP region', () => {
    const ca = normalisePhoneNumber('+1 506 234 5678');
    const de = normalisePhoneNumber('+49 151 23456789');
    expect(ca.ok && ca.value.callingCode).toBe('1');
    expect(de.ok && de.value.callingCode).toBe('49');
  });
});

describe('isKnownRegion', () => {
  it.each([
    ['DE', true],
    ['US', true],
    ['JM', true],
    ['de', false],
    ['EU', false],
    ['NANP', false],
    ['+1', false],
    ['', false],
  ])('%j → %s', (code, known) => {
    expect(isKnownRegion(code)).toBe(known);
  });
});

describe('masks', () => {
  const n = (e164: string, callingCode: string): PhoneNumber => ({ e164, callingCode, region: 'XX' });
  it.each([
    [n('+4915123456789', '49'), '••• ••• 89', '+49•••••••89'],
    [n('+12015550123', '1'), '••• ••• 23', '+1•••••••23'],
    [n('+43664123456', '43'), '••• ••• 56', '+43•••••••56'],
  ])('%j → prompt %j, log %j', (number, prompt, log) => {
    expect(maskForPrompt(number)).toBe(prompt);
    expect(maskForLog(number)).toBe(log);
  });

  it('the masks do not reveal the length', () => {
    expect(maskForLog(n('+4915123456789', '49')).length).toBe(maskForLog(n('+49151234567', '49')).length);
    expect(maskForPrompt(n('+4915123456789', '49')).length).toBe(maskForPrompt(n('+436641', '43')).length);
  });
});
