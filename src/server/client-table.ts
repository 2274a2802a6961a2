import { isIPv4, isIPv6 } from 'node:net';
import type { ClientConfig } from '../config/schema.js';

/** A RADIUS client (NAS) as the server uses it: secret as bytes, addresses pre-parsed. */
export interface RadiusClient {
  readonly name: string;
  readonly secret: Buffer;
  readonly config: Readonly<ClientConfig>;
}

interface Net {
  readonly v6: boolean;
  readonly base: bigint;
  readonly prefix: number;
  readonly client: RadiusClient;
}

function ipToBigInt(address: string): { v6: boolean; value: bigint } | undefined {
  // An IPv4-mapped IPv6 source (dual-stack socket) is matched as IPv4.
  const mapped = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(mapped)) {
    let v = 0n;
    for (const part of mapped.split('.')) v = (v << 8n) | BigInt(Number(part));
    return { v6: false, value: v };
  }
  if (!isIPv6(mapped)) return undefined;
  const zoneless = mapped.split('%')[0]!;
  const [head, tail] = zoneless.split('::') as [string, string | undefined];
  const parse = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let headParts = parse(head);
  let tailParts = parse(tail);
  // Embedded IPv4 in the last group (e.g. ::ffff:10.0.0.1 written in a config).
  const expand = (parts: string[]): string[] => {
    const last = parts[parts.length - 1];
    if (last && isIPv4(last)) {
      const o = last.split('.').map(Number);
      return [
        ...parts.slice(0, -1),
        ((o[0]! << 8) | o[1]!).toString(16),
        ((o[2]! << 8) | o[3]!).toString(16),
      ];
    }
    return parts;
  };
  headParts = expand(headParts);
  tailParts = expand(tailParts);
  const missing = 8 - headParts.length - tailParts.length;
  const groups = tail === undefined ? headParts : [...headParts, ...Array(missing).fill('0'), ...tailParts];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(Number.parseInt(g || '0', 16));
  return { v6: true, value: v };
}

function parseCidr(cidr: string, client: RadiusClient): Net {
  const [addr, prefixText] = cidr.split('/') as [string, string | undefined];
  const ip = ipToBigInt(addr);
  if (!ip) throw new Error(`bad address ${cidr}`); // unreachable: the config schema validated it
  const bits = ip.v6 ? 128 : 32;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { v6: ip.v6, base: ip.value & mask, prefix, client };
}

/**
 * Maps a datagram's source address to its client. Longest prefix wins, so a specific gateway can
 * have its own secret inside a broader subnet. Unknown sources get undefined: dropped, never answered.
 */
export class ClientTable {
  private readonly nets: Net[];
  private readonly cache = new Map<string, RadiusClient | null>();

  constructor(clients: readonly Readonly<ClientConfig>[]) {
    const nets: Net[] = [];
    for (const config of clients) {
      const client: RadiusClient = { name: config.name, secret: Buffer.from(config.secret, 'utf8'), config };
      const addresses = Array.isArray(config.address) ? config.address : [config.address];
      for (const a of addresses) nets.push(parseCidr(a, client));
    }
    this.nets = nets.sort((a, b) => b.prefix - a.prefix);
  }

  get clients(): RadiusClient[] {
    return [...new Set(this.nets.map((n) => n.client))];
  }

  match(address: string): RadiusClient | undefined {
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.lookup(address);
    // Bounded: a flood of spoofed sources must not grow memory without limit.
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(address, found ?? null);
    return found;
  }

  private lookup(address: string): RadiusClient | undefined {
    const ip = ipToBigInt(address);
    if (!ip) return undefined;
    const bits = ip.v6 ? 128 : 32;
    for (const net of this.nets) {
      if (net.v6 !== ip.v6) continue;
      const mask = net.prefix === 0 ? 0n : ((1n << BigInt(net.prefix)) - 1n) << BigInt(bits - net.prefix);
      if ((ip.value & mask) === net.base) return net.client;
    }
    return undefined;
  }
}
