import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import { err, ok, type Result } from '../shared/result.js';

/**
 * Directory phone numbers (`mobile`, `telephoneNumber`) to E.164 (ITU-T E.164 §6), with the ISO 3166
 * region each number belongs to, for the SMS allow-list and the per-country budget.
 *
 * The only importer of libphonenumber-js. A hand-made table of calling codes and trunk prefixes
 * cannot tell a mobile from a landline or a premium-rate number, nor which of the 25 NANP regions
 * behind +1 a number is in; Google's numbering-plan data can. The `max` metadata (157 kB) is used
 * because only it knows number types (`min` accepts `+49 12345` as valid).
 *
 * +1 (NANP): the region comes from the area code (+1 415 → US, +1 416 → CA, +1 876 → JM), so an
 * allow-list of `US` does not open the Caribbean, a classic SMS-pumping destination.
 */

/** An ISO 3166-1 alpha-2 region in upper case (`DE`, `US`), as libphonenumber knows them. */
export type Region = string;

export interface PhoneNumber {
  /** `+4915112345678` */
  readonly e164: string;
  /** `49`, `1` */
  readonly callingCode: string;
  /** `DE`; for +1 the NANP member (`US`, `CA`, `JM`, …). */
  readonly region: Region;
}

export const PHONE_NUMBER_ERROR_KINDS = [
  /** Nothing but spaces. */
  'empty',
  /** Longer than any phone number written out with spaces and a prefix. */
  'input_too_long',
  /** No phone number in it (`n/a`, letters). */
  'not_a_number',
  /** A national number (`0151…`) and no `default_country` to read it with. */
  'no_default_country',
  /** `+999…`: no such country calling code. */
  'unknown_calling_code',
  'too_short',
  'too_long',
  /** The right length, but no number in that country's plan starts like that. */
  'invalid',
  /**
   * `x123`, `ext. 12`: an extension is a desk phone behind a PBX. An SMS cannot reach the
   * extension, and the main number may be a reception or a shared line, so the code would go to
   * someone else: refused, not dropped.
   */
  'has_extension',
  /** A landline, premium-rate, toll-free, shared-cost or pager number: no SMS to it. */
  'not_mobile',
  /** +881 (satellite), +882/+883 (international networks): no country to budget or allow. */
  'no_region',
] as const;
export type PhoneNumberErrorKind = (typeof PHONE_NUMBER_ERROR_KINDS)[number];

export interface PhoneNumberError {
  readonly kind: PhoneNumberErrorKind;
  /** For the admin; never contains the number itself. */
  readonly message: string;
}

export interface NormaliseOptions {
  /** How national numbers (`0151 …`, `(0151) 123-45678`) are read: ISO 3166 alpha-2, e.g. `DE`. */
  readonly defaultCountry?: Region;
}

/** E.164 allows 15 digits; 40 characters leave room for `+49 (0) 151 / 123 456 78`-style spacing. */
const MAX_INPUT = 40;

/** A number type SMS can go to. FIXED_LINE_OR_MOBILE: NANP (and a few plans) cannot tell them apart. */
const SMS_TYPES: ReadonlySet<string> = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

const fail = (kind: PhoneNumberErrorKind, message: string): Result<never, PhoneNumberError> =>
  err({ kind, message });

/** Whether `code` is a region this program can read numbers for (`DE`: yes; `de`, `EU`, `NANP`: no). */
export function isKnownRegion(code: string): boolean {
  return isSupportedCountry(code);
}

export function normalisePhoneNumber(
  raw: string,
  opts: NormaliseOptions = {},
): Result<PhoneNumber, PhoneNumberError> {
  // RFC 3966 §3: a `tel:` URI is the number itself (its `;ext=` still counts as an extension).
  const text = raw.trim().replace(/^tel:/i, '');
  if (text === '') return fail('empty', 'the phone number is empty');
  if (text.length > MAX_INPUT) {
    return fail('input_too_long', `the phone number is longer than ${MAX_INPUT} characters`);
  }
  const dc = opts.defaultCountry;
  if (dc !== undefined && !isSupportedCountry(dc)) {
    // A config error the schema should have caught; reported, not thrown.
    return fail('no_default_country', `default_country ${JSON.stringify(dc)} is not an ISO 3166 region`);
  }
  let parsed: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    // extract: false: the value must be a number and nothing else. Extracting would accept
    // `mobil: +49 …` and, worse, pick the first of `0151 … (alt: 0171 …)` for the user.
    parsed = parsePhoneNumberWithError(text, {
      defaultCountry: dc as CountryCode | undefined,
      extract: false,
    });
  } catch (e) {
    return parseFailure(e, dc !== undefined);
  }
  if (parsed.ext !== undefined) {
    return fail('has_extension', 'the phone number has an extension (a desk phone): no SMS to it');
  }
  // ITU-T E.164 §6.1: at most 15 digits including the country code.
  if (parsed.number.length - 1 > 15) return fail('too_long', 'the phone number has more than 15 digits');
  if (!parsed.isValid()) return whyInvalid(validatePhoneNumberLength(text, dc as CountryCode | undefined));
  const region = parsed.country;
  if (region === undefined) {
    return fail('no_region', `+${parsed.countryCallingCode} numbers belong to no country`);
  }
  const type = parsed.getType();
  if (type === undefined || !SMS_TYPES.has(type)) {
    return fail('not_mobile', `the number is a ${describeType(type)} number, not a mobile`);
  }
  return ok({ e164: parsed.number, callingCode: parsed.countryCallingCode, region });
}

function parseFailure(e: unknown, hadDefault: boolean): Result<never, PhoneNumberError> {
  const code = e instanceof Error ? e.message : '';
  switch (code) {
    case 'INVALID_COUNTRY':
      // libphonenumber says this both for `+999…` and for a national number without a default.
      return hadDefault
        ? fail('unknown_calling_code', 'no country has that calling code')
        : fail('no_default_country', 'a national number needs sms.default_country (or write it as +CC…)');
    case 'TOO_SHORT':
      return fail('too_short', 'the phone number has too few digits');
    case 'TOO_LONG':
      return fail('too_long', 'the phone number has too many digits');
    default:
      return fail('not_a_number', 'the value is not a phone number');
  }
}

/** After a parse that found digits: why the plan refuses them. */
function whyInvalid(length: string | undefined): Result<never, PhoneNumberError> {
  if (length === 'TOO_SHORT') return fail('too_short', 'the phone number has too few digits for its country');
  if (length === 'TOO_LONG') return fail('too_long', 'the phone number has too many digits for its country');
  return fail('invalid', 'no number in that country has this length and these leading digits');
}

function describeType(type: string | undefined): string {
  return type === undefined ? 'unclassified' : type.toLowerCase().replaceAll('_', '-');
}

const lastTwo = (n: PhoneNumber): string => n.e164.slice(-2);

/**
 * For the Access-Challenge prompt: `••• ••• 78`. The last two digits let the user tell which of
 * their phones it went to; a fixed number of dots does not reveal the length.
 */
export function maskForPrompt(n: PhoneNumber): string {
  return `••• ••• ${lastTwo(n)}`;
}

/** For logs and the audit trail: `+49•••••••78` (country code and the last two digits only). */
export function maskForLog(n: PhoneNumber): string {
  return `+${n.callingCode}•••••••${lastTwo(n)}`;
}
