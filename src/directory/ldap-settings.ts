import type { LdapDirectoryConfig } from './ldap-schema.js';

/** The config with every flavour default filled in: what the directory code actually runs with. */
export interface LdapSettings {
  readonly flavour: 'ad' | 'openldap';
  readonly servers: readonly string[];
  readonly startTls: boolean;
  readonly caFile?: string;
  readonly verifyCertificate: boolean;
  readonly tlsServerName?: string;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly baseDn: string;
  readonly userFilter: string;
  readonly idAttribute: string;
  readonly displayNameAttribute: string;
  readonly loginDomains: readonly string[];
  readonly upnSuffixes: readonly string[];
  readonly timeoutMs: number;
  readonly serverRetryMs: number;
  readonly reuseConnections: boolean;
  readonly bindPoolSize: number;
  readonly groupCacheTtlSec: number;
  readonly groupCacheMaxUsers: number;
  readonly groupStrategy: 'in_chain' | 'member' | 'memberof';
  readonly groupBaseDn: string;
  readonly groupObjectFilter: string;
  readonly memberAttribute: string;
  readonly groupMaxDepth: number;
  readonly attributes: { readonly mobile: string; readonly phone: string; readonly mail: string };
}

/**
 * AD: sAMAccountName or UPN, people only (objectCategory keeps computer accounts out).
 * OpenLDAP / FreeIPA: uid on person entries.
 */
export const DEFAULT_USER_FILTER = {
  ad: '(&(objectCategory=person)(objectClass=user)(|(sAMAccountName={user})(userPrincipalName={upn})))',
  openldap: '(&(objectClass=person)(uid={user}))',
} as const;

const DEFAULT_GROUP_FILTER = {
  ad: '(objectClass=group)',
  openldap: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))',
} as const;

export function resolveLdapSettings(c: LdapDirectoryConfig): LdapSettings {
  const ad = c.flavour === 'ad';
  return {
    flavour: c.flavour,
    servers: c.servers,
    startTls: c.start_tls,
    ...(c.ca_file !== undefined ? { caFile: c.ca_file } : {}),
    verifyCertificate: c.verify_certificate,
    ...(c.tls_server_name !== undefined ? { tlsServerName: c.tls_server_name } : {}),
    bindDn: c.bind_dn,
    bindPassword: c.bind_password,
    baseDn: c.base_dn,
    userFilter: c.user_filter ?? DEFAULT_USER_FILTER[c.flavour],
    idAttribute: c.id_attribute ?? (ad ? 'sAMAccountName' : 'uid'),
    displayNameAttribute: c.display_name_attribute ?? (ad ? 'displayName' : 'cn'),
    loginDomains: c.login_domains,
    upnSuffixes: c.upn_suffixes,
    timeoutMs: c.timeout_ms,
    serverRetryMs: c.server_retry_sec * 1000,
    reuseConnections: c.reuse_connections,
    bindPoolSize: c.bind_pool_size,
    groupCacheTtlSec: c.group_cache_ttl_sec,
    groupCacheMaxUsers: c.group_cache_max_users,
    // The in-chain rule (LDAP_MATCHING_RULE_IN_CHAIN) is AD-only; elsewhere walk `member` level by level.
    groupStrategy: c.groups.strategy === 'auto' ? (ad ? 'in_chain' : 'member') : c.groups.strategy,
    groupBaseDn: c.groups.base_dn ?? c.base_dn,
    groupObjectFilter: c.groups.object_filter ?? DEFAULT_GROUP_FILTER[c.flavour],
    memberAttribute: c.groups.member_attribute,
    groupMaxDepth: c.groups.max_depth,
    attributes: c.attributes,
  };
}
