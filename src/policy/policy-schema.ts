import { z } from 'zod';
import { methodList } from '../config/methods.js';

/**
 * `policy:` — who may log in, who needs MFA, and what the gateway is told, by group. Rules are
 * evaluated in order and the first rule with a group the user is in wins; `default` applies
 * otherwise. Directory-agnostic: local-store users simply have no groups.
 *
 * Group patterns: a name (`VPN-Users`, case-insensitive, `*` as wildcard: `VPN-*`) matches the
 * user's group names (CNs); a pattern containing `=` is a DN and matches the user's group DNs.
 */

const groupPattern = z.string().min(1).max(1024);

/**
 * A reply attribute by dictionary name (`Filter-Id`, `Class`, `Fortinet-Group-Name`,
 * `Citrix-User-Groups`, `PaloAlto-User-Group`, `MS-…`) or number. In string values:
 *   {group}      one attribute per selected group (e.g. Cisco ASA `OU={group};`)
 *   {groups}     the selected groups joined by `group_separator`, split over several attributes
 *                when longer than an attribute can carry (253 bytes, 247 for vendor attributes)
 *   {user}       the identity id;  {login} the name as typed
 * `groups` selects which of the user's groups {group}/{groups} use: `matched` (the ones that made
 * this rule match; the default), `all`, or a list of patterns.
 */
export const replyTemplateSchema = z
  .object({
    attribute: z.union([z.string().min(1).max(64), z.number().int().min(1).max(255)]),
    value: z.union([z.string().max(4096), z.number().int().min(0).max(0xffff_ffff)]),
    groups: z.union([z.enum(['matched', 'all']), z.array(groupPattern).min(1)]).default('matched'),
    /** Bytes per attribute value; default 253 (RFC 2865 §5), 247 for vendor attributes (RFC 2865 §5.26). */
    max_bytes: z.number().int().min(16).max(253).optional(),
  })
  .strict();

const mfa = z.enum(['required', 'exempt']);
const unenrolled = z.enum(['reject', 'allow', 'enroll']);
/** When a factor's service is down: reject (secure) or accept on the password (safe); unset = the client's. */
const failmode = z.enum(['secure', 'safe']).optional();

export const policyRuleSchema = z
  .object({
    name: z.string().min(1).max(64),
    /** The rule matches when the user is in any of these groups. */
    groups: z.array(groupPattern).min(1),
    mfa: mfa.default('required'),
    unenrolled: unenrolled.default('reject'),
    failmode,
    /** The methods this group may use, in the order offered (default: every enrolled one). */
    methods: methodList.optional(),
    reply: z.array(replyTemplateSchema).default([]),
  })
  .strict();

export const policySchema = z
  .object({
    /** When set, only members of these groups may log in at all (checked before the rules). */
    allow_groups: z.array(groupPattern).min(1).optional(),
    rules: z.array(policyRuleSchema).default([]),
    default: z
      .object({
        mfa: mfa.default('required'),
        unenrolled: unenrolled.default('reject'),
        failmode,
        methods: methodList.optional(),
        reply: z.array(replyTemplateSchema).default([]),
      })
      .strict()
      .prefault({}),
    group_separator: z.string().min(1).max(8).default(','),
  })
  .strict()
  .refine((p) => new Set(p.rules.map((r) => r.name)).size === p.rules.length, {
    message: 'rule names must be unique (they appear in the audit log)',
    path: ['rules'],
  });

export type PolicyConfigInput = z.input<typeof policySchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type PolicyRule = z.output<typeof policyRuleSchema>;
export type ReplyTemplate = z.output<typeof replyTemplateSchema>;
