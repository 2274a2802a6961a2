import { escapeFilter } from 'ldapts';
import type { ParsedLogin } from './login-name.js';

/**
 * Filter building. Every value that comes from a user (or from the directory, like a DN) goes
 * through ldapts' escapeFilter: `*` `(` `)` `\` and NUL become `\2a` `\28` `\29` `\5c` `\00`
 * (RFC 4515 §3), so a login name can never add a clause or a wildcard to the filter.
 */
export function escapeValue(value: string): string {
  return escapeFilter`${value}`;
}

/** Fills `{user}`, `{upn}`, `{login}` in the configured user filter with escaped values. */
export function userFilter(template: string, login: ParsedLogin): string {
  return template.replace(/\{(user|upn|login)\}/g, (_m, key: 'user' | 'upn' | 'login') =>
    escapeValue(login[key]),
  );
}

/** `(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=<dn>))`: AD's LDAP_MATCHING_RULE_IN_CHAIN. */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';

export function inChainFilter(groupObjectFilter: string, memberAttribute: string, userDn: string): string {
  return `(&${groupObjectFilter}(${memberAttribute}:${IN_CHAIN_RULE}:=${escapeValue(userDn)}))`;
}

/** Groups that list any of `dns` as a direct member: one level of a nested walk. */
export function directMemberFilter(
  groupObjectFilter: string,
  memberAttribute: string,
  dns: readonly string[],
): string {
  const any = dns.map((dn) => `(${memberAttribute}=${escapeValue(dn)})`).join('');
  return `(&${groupObjectFilter}${dns.length === 1 ? any : `(|${any})`})`;
}
