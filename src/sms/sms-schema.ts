import { z } from 'zod';
import { parseJsonPath } from './json-path.js';
import { PLACEHOLDERS, placeholdersIn, urlHostHasPlaceholder } from './template.js';

/**
 * `sms:` in the config file: the SMS providers in failover order. Plain `.strict()` objects in a
 * discriminated union on `type`, so an unknown key or type gets a clear message. Secrets can sit
 * in files (`*_file`, read once at start, trimmed) to keep them out of the YAML.
 */

const providerName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "." or "-"');

/** Seconds. */
const timeout = z.number().min(0.1).max(120).default(10);
const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^/?#\s]+/i, 'expected an http:// or https:// URL, e.g. https://api.example.com/send');
const caFile = z.string().min(1).optional();
const secretValue = z.string().min(1);
const filePath = z.string().min(1);

type Ctx = z.core.$RefinementCtx;

/** Exactly one of `key` or `key_file`. */
function oneSecret(obj: Record<string, unknown>, key: string, ctx: Ctx, required = true): void {
  const inline = obj[key] !== undefined;
  const file = obj[`${key}_file`] !== undefined;
  if (inline && file) {
    ctx.addIssue({ code: 'custom', path: [`${key}_file`], message: `give ${key} or ${key}_file, not both` });
  } else if (required && !inline && !file) {
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: `missing: set ${key}_file (a file holding the secret, recommended) or ${key}`,
    });
  }
}

const validRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};
const jsonPath = z.string().refine((s) => parseJsonPath(s) !== undefined, {
  message: 'expected a path like sid, messages[0].status or [0].id',
});

const basicAuth = z
  .object({
    type: z.literal('basic'),
    username: z.string().min(1),
    password: secretValue.optional(),
    password_file: filePath.optional(),
  })
  .strict()
  .superRefine((a, ctx) => oneSecret(a, 'password', ctx));

const bearerAuth = z
  .object({ type: z.literal('bearer'), token: secretValue.optional(), token_file: filePath.optional() })
  .strict()
  .superRefine((a, ctx) => oneSecret(a, 'token', ctx));

const httpBody = z
  .object({
    /** A structure (string values are templates) or a JSON text with placeholders. */
    json: z.unknown().optional(),
    form: z.record(z.string(), z.string()).optional(),
    text: z.string().optional(),
    content_type: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = (['json', 'form', 'text'] as const).filter((k) => b[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of json, form or text' });
    }
    if (b.text !== undefined && b.content_type === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['content_type'],
        message: 'missing: a text body needs content_type',
      });
    }
  });

const httpSuccess = z
  .object({
    status: z.array(z.number().int().min(100).max(599)).min(1).default([200, 201, 202]),
    body_regex: z.string().refine(validRegex, { message: 'not a valid regular expression' }).optional(),
    json_path: jsonPath.optional(),
    /** With json_path: the value that means success (compared as text). Without: any non-empty value. */
    json_equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    message_id_path: jsonPath.optional(),
    error_path: jsonPath.optional(),
  })
  .strict()
  .refine((s) => s.json_equals === undefined || s.json_path !== undefined, {
    message: 'json_equals needs json_path',
    path: ['json_equals'],
  });

export const httpProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('http'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']).default('POST'),
    url: httpUrl,
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), z.string())
      .default({}),
    auth: z.discriminatedUnion('type', [basicAuth, bearerAuth]).optional(),
    /** What `{secret}` stands for in url, headers and body. */
    secret: secretValue.optional(),
    secret_file: filePath.optional(),
    body: httpBody.optional(),
    success: httpSuccess.default({ status: [200, 201, 202] }),
    timeout,
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => {
    oneSecret(p, 'secret', ctx, false);
    if (!URL.canParse(p.url.replace(/\{(phone|phone_digits|message|secret)\}/g, 'x'))) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'not a valid URL' });
    }
    if (urlHostHasPlaceholder(p.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'placeholders may not be in the scheme or host',
      });
    }
    const texts = [p.url, ...Object.values(p.headers), JSON.stringify(p.body ?? null)];
    const usesSecret = texts.some((t) => placeholdersIn(t).includes('secret'));
    if (usesSecret && p.secret === undefined && p.secret_file === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret_file'],
        message: 'missing: {secret} is used, set secret_file or secret',
      });
    }
    const all = texts.join(' ');
    if (!placeholdersIn(all).includes('message')) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: `the request never uses {message}; placeholders: ${PLACEHOLDERS.map((x) => `{${x}}`).join(', ')}`,
      });
    }
    if (!placeholdersIn(all).some((x) => x === 'phone' || x === 'phone_digits')) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: 'the request never uses {phone} or {phone_digits}',
      });
    }
    if (p.method === 'GET' && p.body !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: 'a GET request has no body: use POST or put the fields in url',
      });
    }
  });

export const twilioProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('twilio'),
    account_sid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'expected the Account SID: AC followed by 32 hex digits'),
    auth_token: secretValue.optional(),
    auth_token_file: filePath.optional(),
    /** A Twilio number (E.164) or an alphanumeric sender id. */
    from: z.string().min(1).max(32).optional(),
    messaging_service_sid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, 'expected MG followed by 32 hex digits')
      .optional(),
    base_url: httpUrl.default('https://api.twilio.com'),
    timeout,
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => {
    oneSecret(p, 'auth_token', ctx);
    if (p.from === undefined && p.messaging_service_sid === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'missing: set from (a Twilio number) or messaging_service_sid',
      });
    }
  });

export const vonageProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('vonage'),
    api_key: z.string().min(1),
    api_secret: secretValue.optional(),
    api_secret_file: filePath.optional(),
    from: z.string().min(1).max(32),
    base_url: httpUrl.default('https://rest.nexmo.com'),
    timeout,
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => oneSecret(p, 'api_secret', ctx));

export const messageBirdProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('messagebird'),
    access_key: secretValue.optional(),
    access_key_file: filePath.optional(),
    /** A number or an alphanumeric sender id (max 11 characters). */
    originator: z.string().min(1).max(32),
    base_url: httpUrl.default('https://rest.messagebird.com'),
    timeout,
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => oneSecret(p, 'access_key', ctx));

export const smsEagleProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('smseagle'),
    /** The device on the site network, e.g. https://smseagle.example.lan */
    base_url: httpUrl,
    access_token: secretValue.optional(),
    access_token_file: filePath.optional(),
    timeout,
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => oneSecret(p, 'access_token', ctx));

export const smppProviderSchema = z
  .object({
    name: providerName,
    type: z.literal('smpp'),
    url: z
      .string()
      .regex(/^s?smpp:\/\/[^/:\s]+(:\d{1,5})?\/?$/i, 'expected smpp://host:port or ssmpp://host:port (TLS)'),
    system_id: z.string().min(1).max(15),
    password: secretValue.max(8).optional(),
    password_file: filePath.optional(),
    system_type: z.string().max(12).default(''),
    /** The sender: a number (E.164 without '+') or an alphanumeric id (max 11 characters). */
    source_addr: z.string().min(1).max(20),
    source_addr_ton: z.number().int().min(0).max(6).optional(),
    source_addr_npi: z.number().int().min(0).max(18).optional(),
    registered_delivery: z.boolean().default(false),
    /** Messages per second (the SMSC's contract) and how many may go at once after a pause. */
    rate: z.number().positive().max(1000).default(10),
    burst: z.number().int().min(1).max(1000).default(1),
    submit_timeout: timeout,
    bind_timeout: timeout,
    enquire_link_interval: z.number().min(1).max(3600).default(30),
    reconnect_min: z.number().min(0.05).max(600).default(1),
    reconnect_max: z.number().min(0.05).max(3600).default(60),
    ca_file: caFile,
  })
  .strict()
  .superRefine((p, ctx) => {
    oneSecret(p, 'password', ctx);
    if (p.reconnect_max < p.reconnect_min) {
      ctx.addIssue({ code: 'custom', path: ['reconnect_max'], message: 'must not be below reconnect_min' });
    }
    if (p.ca_file !== undefined && !/^ssmpp:/i.test(p.url)) {
      ctx.addIssue({ code: 'custom', path: ['ca_file'], message: 'ca_file needs TLS: use an ssmpp:// url' });
    }
  });

export const smsProviderSchema = z.discriminatedUnion('type', [
  httpProviderSchema,
  twilioProviderSchema,
  vonageProviderSchema,
  messageBirdProviderSchema,
  smsEagleProviderSchema,
  smppProviderSchema,
]);

export const smsSchema = z
  .object({
    /** Tried in this order until one sends. */
    providers: z.array(smsProviderSchema).min(1, 'expected at least one provider'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.providers.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'name'],
          message: `"${p.name}" is used twice; names must be unique`,
        });
      }
      seen.add(p.name);
    });
  });

export type SmsConfig = z.output<typeof smsSchema>;
export type SmsProviderConfig = SmsConfig['providers'][number];
