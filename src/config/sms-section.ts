import { z } from 'zod';
import { smsBudgetsSchema, smsCountryShape } from '../sms/budget-schema.js';
import { smsSchema } from '../sms/sms-schema.js';

/**
 * `sms:` in the config file: the providers (src/sms/sms-schema.ts), where SMS may go and how many
 * (src/sms/budget-schema.ts), and how the SMS factor asks (issue 10, one-way SMS by challenge).
 */
/** Where a user's number is looked for, in order: an enrolment in the store, the directory's mobile, its phone. */
export const PHONE_SOURCES = ['store', 'mobile', 'phone'] as const;
export type PhoneSourceName = (typeof PHONE_SOURCES)[number];

export const smsSectionSchema = z
  .object({
    providers: smsSchema.shape.providers,
    ...smsCountryShape,
    budgets: smsBudgetsSchema,
    /** Digits of a code (from the CSPRNG). */
    code_digits: z.union([z.literal(6), z.literal(7), z.literal(8)]).default(6),
    /** How long a sent code works, with its State only. */
    code_ttl_sec: z.number().int().min(30).max(900).default(300),
    message: z
      .string()
      .min(1)
      .max(300)
      .refine((s) => s.includes('{code}'), { message: 'the message must contain {code}' })
      .default('Your login code is {code}'),
    /** The Access-Challenge prompt; {phone} is the masked number. */
    prompt: z.string().min(1).max(500).default('Enter the code sent to {phone}'),
    /** Typed at the prompt instead of a code: a new code is sent ('' turns it off). */
    resend_keyword: z.string().max(20).default('resend'),
    resend_cooldown_sec: z.number().int().min(0).max(3600).default(30),
    /**
     * one_way: the code is typed at the Access-Challenge. two_way: the request is held until the
     * user replies to the SMS with the code (SMPP deliver_sm); usable on concat clients too.
     */
    mode: z.enum(['one_way', 'two_way']).default('one_way'),
    /** Two-way, when the wait ran out and the client can challenge. */
    two_way_prompt: z
      .string()
      .min(1)
      .max(500)
      .default('Reply to the SMS sent to {phone} with the code and press Enter, or type the code here'),
    /**
     * The first of these that holds a number is used. `mobile` and `phone` are the directory
     * attributes `directory.attributes.mobile` / `.phone` name; `store` is `phone set`'s enrolment.
     */
    phone_sources: z
      .array(z.enum(PHONE_SOURCES))
      .min(1)
      .refine((l) => new Set(l).size === l.length, { message: 'each source may be listed once' })
      .default([...PHONE_SOURCES]),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.providers.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'name'],
          message: `"${p.name}" is used twice; names must be unique`,
        });
      seen.add(p.name);
    });
    if (s.default_country === undefined && s.allowed_countries === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['default_country'],
        message: 'set default_country (e.g. DE) or allowed_countries: without either no SMS may go anywhere',
      });
  });

export type SmsSectionConfig = z.output<typeof smsSectionSchema>;
