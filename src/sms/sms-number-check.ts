import { allowedCountries } from './budget-schema.js';
import { normalisePhoneNumber, type PhoneNumber, type PhoneNumberErrorKind } from './phone-number.js';
import { err, type Result } from '../shared/result.js';

export interface SmsNumberRefusal {
  readonly kind: PhoneNumberErrorKind | 'country_not_allowed';
  /** Says what is wrong without repeating the number (a log or report line may carry it). */
  readonly message: string;
  readonly region?: string;
}

/**
 * A number as typed, normalised to E.164 with `sms.default_country`, and allowed by
 * `sms.allowed_countries`: the one rule the CLI, the portal and the importer apply before a number
 * is stored, so none of them stores a number no SMS could be sent to.
 */
export function checkSmsNumber(
  sms: { readonly default_country?: string | undefined; readonly allowed_countries?: readonly string[] | undefined },
  raw: string,
): Result<PhoneNumber, SmsNumberRefusal> {
  const n = normalisePhoneNumber(raw, sms.default_country ? { defaultCountry: sms.default_country } : {});
  if (!n.ok) return err({ kind: n.error.kind, message: n.error.message });
  const allowed = allowedCountries(sms);
  if (!allowed.includes(n.value.region))
    return err({
      kind: 'country_not_allowed',
      region: n.value.region,
      message: `it belongs to ${n.value.region}, and SMS may only go to ${allowed.join(', ')} (${sms.allowed_countries ? 'sms.allowed_countries' : 'sms.default_country; set sms.allowed_countries to allow more'})`,
    });
  return n;
}
