import { isIP } from 'node:net';
import { z } from 'zod';
import { ldapDirectorySchema } from '../directory/ldap-schema.js';
import { policySchema } from '../policy/policy-schema.js';
import { gatewayPresetNames } from './gateway-presets.js';
import { methodList } from './methods.js';
import { portalSectionSchema } from './portal-section.js';
import { adminSectionSchema } from './admin-section.js';
import { smsSectionSchema } from './sms-section.js';
import { syslogSectionSchema } from './syslog-section.js';
import { httpSchema } from '../web/http-schema.js';
import { radiusDirectorySchema } from '../upstream/radius-schema.js';

/**
 * The one config file, as an admin writes it (snake_case YAML). Validated once at start, then frozen.
 * Every key has a default where a safe one exists; secrets never do.
 */

const ipAddress = z.string().refine((s) => isIP(s) !== 0, { message: 'expected an IPv4 or IPv6 address' });

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` */
export const cidrString = z.string().refine(
  (s) => {
    const [addr, prefix, extra] = s.split('/');
    if (extra !== undefined || !addr) return false;
    const family = isIP(addr);
    if (family === 0) return false;
    if (prefix === undefined) return true;
    if (!/^\d{1,3}$/.test(prefix)) return false;
    return Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { message: 'expected an IP address or CIDR, e.g. 10.0.0.0/8 or fd00::/8' },
);

const port = z.number().int().min(1).max(65535);

export const listenSchema = z
  .object({
    address: ipAddress,
    auth_port: port.default(1812),
    acct_port: port.optional(),
  })
  .strict();

/** second_factor_only (issue 5): the gateway checked the password itself; User-Password is the code. */
export const mfaModes = ['challenge', 'concat', 'auto', 'second_factor_only'] as const;

const clientName = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "." or "-"');

/**
 * Issue 5: a gateway behind a trusted RADIUS proxy (e.g. NPS forwarding from a connection request
 * policy), identified by the NAS-IP-Address / NAS-Identifier the proxy forwards; its settings
 * override the proxy client's for its requests.
 */
export const behindProxySchema = z
  .object({
    name: clientName,
    nas_ip_address: z.union([cidrString, z.array(cidrString).min(1)]).optional(),
    nas_identifier: z.string().min(1).max(253).optional(),
    mfa_mode: z.enum(mfaModes).optional(),
    concat_delimiter: z.string().max(4).optional(),
    nas_timeout: z.number().positive().max(600).optional(),
    challenge_prompt: z.string().min(1).max(1000).optional(),
    failmode: z.enum(['secure', 'safe']).optional(),
    auth_cache_sec: z.number().int().min(0).max(86_400).optional(),
    methods: methodList.optional(),
  })
  .strict()
  .refine((g) => g.nas_ip_address !== undefined || g.nas_identifier !== undefined, {
    message: 'expected nas_ip_address or nas_identifier',
  });

export const clientSchema = z
  .object({
    name: clientName,
    address: z.union([cidrString, z.array(cidrString).min(1)]),
    secret: z.string().min(8, 'expected a shared secret of at least 8 characters (16+ recommended)'),
    /**
     * Issue 12: the gateway's preset (gateway-presets.ts), applied to the raw file before this
     * schema as defaults for the keys below; kept so check-config can show what it set.
     */
    preset: z.enum(gatewayPresetNames).optional(),
    require_message_authenticator: z.boolean().default(true),
    mfa_mode: z.enum(mfaModes).default('auto'),
    /** In concat/auto mode: the delimiter between password and code ('' = the code is the trailing digits). */
    concat_delimiter: z.string().max(4).default(''),
    /** The gateway's RADIUS timeout in seconds: answers are sent before it runs out. */
    nas_timeout: z.number().positive().max(600).default(30),
    /** Prompt shown in the Access-Challenge (Reply-Message). */
    challenge_prompt: z.string().min(1).max(1000).optional(),
    /**
     * When a factor's service is down (every SMS provider failing): `secure` rejects, `safe` lets
     * the user in on the password alone (logged as failmode_safe). A policy rule's own failmode wins.
     */
    failmode: z.enum(['secure', 'safe']).default('secure'),
    /**
     * Seconds during which a gateway that re-authenticates a live session with the cached password
     * (NetScaler) gets an Accept without a second factor: same user, client, Calling-Station-Id and
     * password as a full MFA login. 0 = off.
     */
    auth_cache_sec: z.number().int().min(0).max(86_400).default(0),
    /** The methods this gateway may use (e.g. no SMS on a concat-only client); default all. */
    methods: methodList.optional(),
    /**
     * Issue 5: this client is a RADIUS proxy (NPS, FreeRADIUS) forwarding for other gateways; their
     * NAS-IP-Address / NAS-Identifier then identify the original gateway for policy and audit.
     */
    trusted_proxy: z.boolean().default(false),
    /** With trusted_proxy: the gateways behind it, matched by NAS-IP-Address, then NAS-Identifier. */
    gateways: z.array(behindProxySchema).default([]),
  })
  .strict();

export const localDirectorySchema = z.object({ type: z.literal('local') }).strict();

export const configSchema = z
  .object({
    listen: z
      .array(listenSchema)
      .min(1)
      .default([{ address: '127.0.0.1', auth_port: 1812 }]),
    data_dir: z.string().min(1).default('./data'),
    directory: z
      .discriminatedUnion('type', [localDirectorySchema, ldapDirectorySchema, radiusDirectorySchema])
      .default({ type: 'local' }),
    clients: z.array(clientSchema).min(1),
    /** Who may log in, who needs MFA, and what the gateway is told (by directory group). */
    policy: policySchema.prefault({}),
    mfa: z
      .object({
        /**
         * Users with no enrolled factor: reject (default), let them in on the password alone, or
         * (enroll) reject with the portal's address and open an enrolment window.
         */
        unenrolled: z.enum(['reject', 'allow', 'enroll']).default('reject'),
        /** Login names exempt from the second factor (case-insensitive). */
        exempt_users: z.array(z.string().min(1)).default([]),
        challenge_timeout_sec: z.number().int().min(10).max(600).default(120),
        challenge_prompt: z
          .string()
          .min(1)
          .max(1000)
          .default('Enter the 6-digit code from your authenticator app'),
        /** The only text a gateway ever sees on a reject; the reason stays in the audit log. */
        reject_message: z.string().max(1000).default('Authentication failed'),
        /**
         * What a user types to choose a method: at a challenge instead of the code, or after the
         * password in one field (`Secret123,sms`).
         */
        method_keywords: z
          .object({
            totp: z.string().min(1).max(20).default('app'),
            sms: z.string().min(1).max(20).default('sms'),
          })
          .strict()
          .prefault({}),
        /** Appended to a challenge's prompt when the user has other methods; {keywords} lists them. */
        offer_text: z.string().max(200).default('or type {keywords}'),
      })
      .strict()
      .prefault({}),
    /** SMS codes by challenge (issue 10): providers, budgets and texts. Off without this section. */
    sms: smsSectionSchema.optional(),
    /** The HTTPS listener (Twilio's inbound webhook; the portal later). Off without this section. */
    http: httpSchema.optional(),
    /** The log lines also to a syslog server (RFC 5424 over UDP, TCP or TLS). Off without this section. */
    syslog: syslogSectionSchema.optional(),
    /** The self-service portal on the HTTPS listener (issue 11). */
    portal: portalSectionSchema.prefault({}),
    /** The admin pages (issue 11): directory admin groups, host sampling, sessions, sign-in lockout. */
    admin: adminSectionSchema.prefault({}),
    totp: z
      .object({
        digits: z.literal(6).default(6),
        period: z.literal(30).default(30),
        /** Accepted clock drift, in steps on each side. */
        window: z.number().int().min(0).max(10).default(1),
        issuer: z.string().min(1).max(64).default('mfa-radius-proxy'),
      })
      .strict()
      .prefault({}),
    lockout: z
      .object({
        max_failures: z.number().int().min(1).max(1000).default(5),
        window_sec: z.number().int().min(1).default(300),
        lock_sec: z.number().int().min(1).default(900),
      })
      .strict()
      .prefault({}),
    radius: z
      .object({
        /** RFC 5080 §2.2.2: how long a reply is kept to answer retransmissions. */
        duplicate_window_sec: z.number().int().min(1).max(300).default(30),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        /** A `stats` event (packet counters, event-loop delay) every N seconds; 0 turns it off. */
        stats_interval_sec: z.number().int().min(0).max(86400).default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ClientConfig = Config['clients'][number];
export type ListenConfig = Config['listen'][number];
export type MfaMode = (typeof mfaModes)[number];
