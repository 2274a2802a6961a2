import type { ReplyAttribute } from '../pipeline/types.js';
import type { ReplyTemplate } from './policy-schema.js';

export interface ReplyContext {
  /** Groups selected for {group}/{groups} (already resolved from `matched` / `all` / patterns). */
  readonly groups: readonly string[];
  readonly user: string;
  readonly login: string;
  readonly separator: string;
}

/** RFC 2865 §5: an attribute value carries at most 253 octets. */
export const MAX_VALUE_BYTES = 253;
/** RFC 2865 §5.26: inside Vendor-Specific, 4 octets of vendor id and 2 of vendor type/length remain. */
export const MAX_VSA_VALUE_BYTES = 247;

/** Standard (non-vendor) attributes one would send in an Access-Accept (RFC 2865, 2868, 2869, 3162, 4675). */
const STANDARD = new Set(
  [
    'Service-Type',
    'Framed-Protocol',
    'Framed-IP-Address',
    'Framed-IP-Netmask',
    'Framed-Routing',
    'Filter-Id',
    'Framed-MTU',
    'Framed-Compression',
    'Login-IP-Host',
    'Login-Service',
    'Login-TCP-Port',
    'Reply-Message',
    'Callback-Number',
    'Callback-Id',
    'Framed-Route',
    'Framed-IPX-Network',
    'Class',
    'Session-Timeout',
    'Idle-Timeout',
    'Termination-Action',
    'Login-LAT-Service',
    'Login-LAT-Node',
    'Login-LAT-Group',
    'Framed-AppleTalk-Link',
    'Framed-AppleTalk-Network',
    'Framed-AppleTalk-Zone',
    'Port-Limit',
    'Tunnel-Type',
    'Tunnel-Medium-Type',
    'Tunnel-Private-Group-Id',
    'Tunnel-Assignment-Id',
    'Tunnel-Preference',
    'Tunnel-Client-Endpoint',
    'Tunnel-Server-Endpoint',
    'Acct-Interim-Interval',
    'Framed-Pool',
    'Framed-Interface-Id',
    'Framed-IPv6-Prefix',
    'Framed-IPv6-Route',
    'Framed-IPv6-Pool',
    'Egress-VLANID',
    'Ingress-Filters',
    'Egress-VLAN-Name',
    'User-Priority-Table',
  ].map((n) => n.toLowerCase()),
);

export function maxBytesFor(t: ReplyTemplate): number {
  if (t.max_bytes !== undefined) return t.max_bytes;
  if (typeof t.attribute === 'number') return t.attribute === 26 ? MAX_VSA_VALUE_BYTES : MAX_VALUE_BYTES;
  return STANDARD.has(t.attribute.toLowerCase()) ? MAX_VALUE_BYTES : MAX_VSA_VALUE_BYTES;
}

type Part = { readonly lit: string } | { readonly key: 'group' | 'groups' | 'user' | 'login' };

function parse(value: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of value.matchAll(/\{(group|groups|user|login)\}/g)) {
    if (m.index > last) parts.push({ lit: value.slice(last, m.index) });
    parts.push({ key: m[1] as 'group' | 'groups' | 'user' | 'login' });
    last = m.index + m[0].length;
  }
  if (last < value.length) parts.push({ lit: value.slice(last) });
  return parts;
}

/**
 * Renders one reply template into zero or more attributes. Single-pass substitution: a group
 * name containing `{user}` stays literal. A template that uses groups but has none selected
 * produces nothing (an empty `Class` or `Fortinet-Group-Name` would be worse than none).
 */
export function renderReply(t: ReplyTemplate, ctx: ReplyContext): ReplyAttribute[] {
  const name = t.attribute;
  if (typeof t.value === 'number') return [{ name, value: t.value }];
  const parts = parse(t.value);
  const max = maxBytesFor(t);
  const fill = (vars: { group?: string; groups?: string }): string =>
    parts
      .map((p) =>
        'lit' in p
          ? p.lit
          : p.key === 'user'
            ? ctx.user
            : p.key === 'login'
              ? ctx.login
              : (vars[p.key] ?? ''),
      )
      .join('');
  // RFC 2865 §5: string values are 1-253 octets; an empty one is not sent.
  const out = (values: string[]): ReplyAttribute[] =>
    values.filter((v) => v !== '').map((value) => ({ name, value }));

  if (parts.some((p) => 'key' in p && p.key === 'group')) {
    // One attribute per group, e.g. Cisco ASA: Class = "OU=<group-policy>;".
    return out(ctx.groups.flatMap((g) => splitBytes(fill({ group: g, groups: g }), max)));
  }
  if (parts.some((p) => 'key' in p && p.key === 'groups')) {
    if (ctx.groups.length === 0) return [];
    return out(packGroups(ctx.groups, ctx.separator, max, (joined) => fill({ groups: joined })));
  }
  return out(splitBytes(fill({}), max));
}

/**
 * Greedy packing: as many whole groups per attribute as fit in `max` bytes, each attribute with the
 * template's fixed text around them; a group too long even alone is cut by bytes.
 */
export function packGroups(
  groups: readonly string[],
  sep: string,
  max: number,
  render: (joined: string) => string,
): string[] {
  const values: string[] = [];
  let chunk: string[] = [];
  for (const g of groups) {
    const candidate = [...chunk, g];
    if (bytes(render(candidate.join(sep))) <= max) {
      chunk = candidate;
      continue;
    }
    if (chunk.length > 0) values.push(render(chunk.join(sep)));
    chunk = [g];
    if (bytes(render(g)) > max) {
      values.push(...splitBytes(render(g), max));
      chunk = [];
    }
  }
  if (chunk.length > 0) values.push(render(chunk.join(sep)));
  return values;
}

/** Splits a string into pieces of at most `max` UTF-8 bytes, never inside a character. */
export function splitBytes(s: string, max: number): string[] {
  if (bytes(s) <= max) return [s];
  const pieces: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of s) {
    const b = bytes(ch);
    if (curBytes + b > max) {
      pieces.push(cur);
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  if (cur) pieces.push(cur);
  return pieces;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
