import { z } from 'zod';
import { isKnownRegion } from './phone-number.js';

/**
 * The SMS keys that guard against toll fraud, as an admin writes them under `sms:`:
 *
 *   default_country: DE            # how national numbers (0151 …) are read
 *   allowed_countries: [DE, AT]    # default: [default_country]
 *   budgets:
 *     per_user:    { hour: 5,   day: 10 }
 *     per_client:  { hour: 60,  day: 300 }
 *     per_country: { hour: 100, day: 500 }
 *     total:       { hour: 100, day: 500 }
 *
 * `smsCountryShape` and `budgets` are meant to be spread into the `sms` object of sms-schema.ts;
 * `smsPolicySchema` is the same keys as a strict object on their own.
 */

/** No deployment sends a million SMS codes a day; a larger figure is a typo. */
export const MAX_PER_DAY = 1_000_000;

const NANP_HINT =
  ' (+1 is shared by the US, Canada and 23 other countries and territories, mostly Caribbean:' +
  ' list each one you send to, e.g. US, CA)';

export const regionSchema = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isKnownRegion, {
    error: (issue) =>
      `expected an ISO 3166 alpha-2 country code such as DE or US, got ${JSON.stringify(issue.input)}` +
      (/^(\+?1|NANP)$/i.test(String(issue.input)) ? NANP_HINT : ''),
  });

/** `{hour, day}` with the defaults given; the hourly limit may not exceed the daily one. */
const windowLimits = (hour: number, day: number) =>
  z
    .object({
      hour: z.number().int().min(1).max(MAX_PER_DAY).default(hour),
      day: z.number().int().min(1).max(MAX_PER_DAY).default(day),
    })
    .strict()
    .refine((l) => l.hour <= l.day, { message: 'hour must not be larger than day', path: ['hour'] })
    .prefault({});

export const smsBudgetsSchema = z
  .object({
    /** One person: enough for a few retries, too few to be a pump. */
    per_user: windowLimits(5, 10),
    /** One gateway (RADIUS client): a stolen gateway secret or a scripted portal. */
    per_client: windowLimits(60, 300),
    /** One destination country. */
    per_country: windowLimits(100, 500),
    /** Everything: caps the bill of a day whatever else goes wrong. */
    total: windowLimits(100, 500),
  })
  .strict()
  .prefault({});

export const smsCountryShape = {
  /** ISO 3166 alpha-2; without it only numbers written as +CC… are accepted. */
  default_country: regionSchema.optional(),
  /** Where SMS may go, as ISO 3166 alpha-2 codes; default: the default country only. */
  allowed_countries: z.array(regionSchema).min(1).optional(),
};

export const smsPolicySchema = z
  .object({ ...smsCountryShape, budgets: smsBudgetsSchema })
  .strict()
  .refine((p) => p.default_country !== undefined || p.allowed_countries !== undefined, {
    message: 'set default_country (e.g. DE) or allowed_countries: without either no SMS may go anywhere',
    path: ['allowed_countries'],
  });

export type SmsPolicyConfig = z.output<typeof smsPolicySchema>;
/** Structurally the BudgetLimits that SmsBudget takes (budget-schema.test.ts builds one from it). */
export type SmsBudgetsConfig = z.output<typeof smsBudgetsSchema>;

/** The allow-list in force: `allowed_countries`, else the default country alone. */
export function allowedCountries(p: {
  readonly default_country?: string | undefined;
  readonly allowed_countries?: readonly string[] | undefined;
}): readonly string[] {
  if (p.allowed_countries !== undefined) return p.allowed_countries;
  return p.default_country !== undefined ? [p.default_country] : [];
}
