import { z } from 'zod';

/**
 * `directory: { type: ldap, ... }`: Active Directory, OpenLDAP or FreeIPA as the password check.
 * A plain object schema (no transform) so the config loader can put it in a discriminated union on
 * `type`. Flavour-dependent defaults (filter, id attribute, group strategy) are left unset here and
 * resolved by `resolveLdapSettings()` in ldap-settings.ts, so the admin's YAML stays short.
 */

const ldapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'expected ldap://host[:port] or ldaps://host[:port] (no path)');

/** An RFC 4515 filter template: parenthesised, balanced, with at least one placeholder. */
const filterTemplate = z
  .string()
  .min(3)
  .refine((s) => s.startsWith('(') && s.endsWith(')') && balancedParens(s), {
    message: 'expected an LDAP filter in parentheses, e.g. (&(objectClass=person)(uid={user}))',
  })
  .refine((s) => /\{(user|upn|login)\}/.test(s), {
    message: 'the filter must contain {user}, {upn} or {login} (the login name, escaped)',
  });

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected an LDAP attribute name');

export const ldapFlavours = ['ad', 'openldap'] as const;
export const groupStrategies = ['auto', 'in_chain', 'member', 'memberof'] as const;

export const ldapDirectorySchema = z
  .object({
    type: z.literal('ldap'),
    /** `ad` (Active Directory, Samba AD) or `openldap` (OpenLDAP, FreeIPA, 389-DS). */
    flavour: z.enum(ldapFlavours).default('ad'),
    /** Tried in order; a server that fails is skipped for `server_retry_sec`. */
    servers: z.array(ldapUrl).min(1),
    /** Upgrade ldap:// with StartTLS (RFC 4511 §4.14) before any bind. Not with ldaps://. */
    start_tls: z.boolean().default(false),
    /** PEM file with the CA(s) that signed the directory's certificate. */
    ca_file: z.string().min(1).optional(),
    /** Certificate and host name checks (RFC 4513 §3.1.3). Off only for a lab. */
    verify_certificate: z.boolean().default(true),
    /** Name to check in the certificate when `servers` use IP addresses or another name. */
    tls_server_name: z.string().min(1).optional(),
    /** Service account for searches; its connection is reused. */
    bind_dn: z.string().min(1),
    bind_password: z.string().min(1),
    base_dn: z.string().min(1),
    /** Placeholders: {user} (name without domain), {upn} (user@suffix), {login} (as typed). Escaped. */
    user_filter: filterTemplate.optional(),
    /** The attribute that becomes the identity id (lower-cased). Default sAMAccountName / uid. */
    id_attribute: attributeName.optional(),
    display_name_attribute: attributeName.optional(),
    /** NetBIOS names accepted in `DOMAIN\user`; empty = any prefix is stripped. */
    login_domains: z.array(z.string().min(1).max(64)).default([]),
    /** Suffixes of `user@suffix` logins whose local part is the account name (e.g. example.com). */
    upn_suffixes: z.array(z.string().min(1).max(255)).default([]),
    /** Per operation (connect, StartTLS, bind, search). */
    timeout_ms: z.number().int().min(100).max(60_000).default(5000),
    /** A server that failed a connection attempt is skipped this long while another one works. */
    server_retry_sec: z.number().int().min(0).max(3600).default(30),
    /** Reuse the service connection and pool user-bind connections (false = new connections per login). */
    reuse_connections: z.boolean().default(true),
    /** Connections for user binds: one bind at a time per connection (RFC 4511 §4.2.1). */
    bind_pool_size: z.number().int().min(1).max(64).default(4),
    /** Nested group memberships are cached per user this long; 0 disables the cache. */
    group_cache_ttl_sec: z.number().int().min(0).max(86_400).default(60),
    group_cache_max_users: z.number().int().min(1).max(1_000_000).default(10_000),
    groups: z
      .object({
        /** auto = in_chain for AD, member for OpenLDAP. */
        strategy: z.enum(groupStrategies).default('auto'),
        /** Where groups live; default base_dn. */
        base_dn: z.string().min(1).optional(),
        /** Filter selecting group entries; default per flavour. */
        object_filter: z
          .string()
          .refine((s) => s.startsWith('(') && s.endsWith(')') && balancedParens(s), {
            message: 'expected an LDAP filter in parentheses',
          })
          .optional(),
        member_attribute: attributeName.default('member'),
        /** Nesting levels walked by `member` / `memberof` (loops are cut regardless). */
        max_depth: z.number().int().min(1).max(64).default(10),
      })
      .strict()
      .prefault({}),
    /** Directory attributes copied onto the identity for the SMS and push factors. */
    attributes: z
      .object({
        mobile: attributeName.default('mobile'),
        phone: attributeName.default('telephoneNumber'),
        mail: attributeName.default('mail'),
      })
      .strict()
      .prefault({}),
    /** Reply-Message for the gateway on these rejects (others get the generic reject message). */
    messages: z
      .object({
        password_expired: z.string().max(1000).optional(),
        password_must_change: z.string().max(1000).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => !(c.start_tls && c.servers.some((u) => /^ldaps:/i.test(u))), {
    message: 'start_tls is for ldap:// URLs; ldaps:// is TLS from the first byte',
    path: ['start_tls'],
  });

export type LdapDirectoryConfigInput = z.input<typeof ldapDirectorySchema>;
export type LdapDirectoryConfig = z.output<typeof ldapDirectorySchema>;

function balancedParens(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++; // an escaped character never opens or closes (RFC 4515 §3)
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
