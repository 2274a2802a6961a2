import { isIPv4, isIPv6 } from 'node:net';

/** '192.0.2.1' → 4 octets, or undefined if not a dotted-quad IPv4 address. */
export function parseIpv4(text: string): Buffer | undefined {
  if (!isIPv4(text)) return undefined;
  return Buffer.from(text.split('.').map(Number));
}

/** An IPv6 address in any RFC 4291 §2.2 text form (with '::' or an embedded IPv4) → 16 octets. */
export function parseIpv6(text: string): Buffer | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let s = text;
  const out = Buffer.alloc(16);
  // A trailing dotted quad fills the last 32 bits.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let v4: Buffer | undefined;
  if (tail.includes('.')) {
    v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = s.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [
          ...headGroups,
          ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'),
          ...restGroups,
        ];
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) out.writeUInt16BE(Number.parseInt(groups[i]!, 16), i * 2);
  if (v4) v4.copy(out, 12);
  return out;
}

/** 16 octets → the RFC 5952 text form (lower case, longest zero run compressed). */
export function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    // RFC 5952 §4.2.2: a single zero group is not compressed.
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** 'addr/len' → [address octets, prefix length], or undefined. */
export function parsePrefix(
  text: string,
  parse: (s: string) => Buffer | undefined,
  maxBits: number,
): [Buffer, number] | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parse(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === undefined || !/^\d{1,3}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > maxBits) return undefined;
  // Bits past the prefix length must be zero (RFC 8044 §3.10, §3.11).
  for (let bit = len; bit < maxBits; bit++) {
    if ((addr[bit >> 3]! >> (7 - (bit & 7))) & 1) return undefined;
  }
  return [addr, len];
}
