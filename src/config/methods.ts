import { z } from 'zod';

/** The second factors this build knows, by kind (the factor registry's keys). */
export const FACTOR_KINDS = ['totp', 'sms'] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

/** A list of methods, in the order they are offered; each once. */
export const methodList = z
  .array(z.enum(FACTOR_KINDS))
  .min(1)
  .refine((l) => new Set(l).size === l.length, { message: 'each method may be listed once' });
