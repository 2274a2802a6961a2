import { dnKey, firstRdnValue } from '../directory/dn-names.js';
import type { Identity } from '../pipeline/types.js';

/** The groups of an identity: names (CNs) always, DNs when a directory provided them. */
export interface GroupSet {
  readonly names: readonly string[];
  readonly dns: readonly string[];
}

export function groupsOf(identity: Identity): GroupSet {
  const dns = identity.details?.groupDns;
  return {
    names: identity.groups ?? [],
    dns: Array.isArray(dns) ? dns.filter((d): d is string => typeof d === 'string') : [],
  };
}

/** Returns the names of the user's groups a pattern matches (empty = no match). */
export type GroupMatcher = (groups: GroupSet) => string[];

/**
 * `VPN-Users` (case-insensitive), `VPN-*` (wildcard), or a DN `CN=VPN,OU=Groups,DC=x` (contains
 * `=`; compared without case and spaces after commas; wildcards allowed too). A DN match reports
 * the group by its CN, the name gateways and reply attributes use.
 */
export function compileGroupPattern(pattern: string): GroupMatcher {
  const isDn = pattern.includes('=');
  const test = wildcardTest(isDn ? dnKey(pattern) : pattern.toLowerCase());
  if (isDn) return (g) => g.dns.filter((dn) => test(dnKey(dn))).map(firstRdnValue);
  return (g) => g.names.filter((n) => test(n.toLowerCase()));
}

/** The union of what any of `patterns` matches, in the user's group order, without duplicates. */
export function compileGroupPatterns(patterns: readonly string[]): GroupMatcher {
  const matchers = patterns.map(compileGroupPattern);
  return (g) => {
    const hit = new Set<string>();
    for (const m of matchers) for (const n of m(g)) hit.add(n);
    return orderLike(g.names, hit);
  };
}

function orderLike(order: readonly string[], hit: ReadonlySet<string>): string[] {
  const out = order.filter((n) => hit.has(n));
  for (const n of hit) if (!out.includes(n)) out.push(n);
  return out;
}

function wildcardTest(p: string): (s: string) => boolean {
  if (!p.includes('*')) return (s) => s === p;
  const re = new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (s) => re.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
