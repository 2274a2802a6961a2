import { err, ok, type Result } from '../shared/result.js';
import { type AttributeInfo, lookupValue, valueName } from './dictionary.js';
import type { ValueType } from './dictionary-parser.js';
import { formatIpv6, parseIpv4, parseIpv6, parsePrefix } from './ip.js';

export type AttributeValue = string | number | Buffer;

/** Fixed wire sizes (RFC 8044 §3); undefined means variable. */
const FIXED_SIZE: Partial<Record<ValueType, number>> = {
  integer: 4,
  signed: 4,
  date: 4,
  ipaddr: 4,
  ipv6addr: 16,
  ifid: 8,
  integer64: 8,
  short: 2,
  byte: 1,
  ether: 6,
};

function unsigned(n: number, bytes: number, what: string): Result<Buffer, string> {
  const max = 2 ** (8 * bytes) - 1;
  if (!Number.isInteger(n) || n < 0 || n > max) return err(`${what}: ${n} is not an integer in 0..${max}`);
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(n, 0, bytes);
  return ok(b);
}

/** Integer-like value: a number, a decimal string, or (for `integer`) a dictionary VALUE name. */
function integerValue(info: AttributeInfo, value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const named = lookupValue(info, value);
  if (named !== undefined) return named;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function hexOrText(value: string): Result<Buffer, string> {
  // FreeRADIUS convention: an octets value written 0x... is hex.
  if (!/^0x/i.test(value)) return ok(Buffer.from(value, 'utf8'));
  const hex = value.slice(2);
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return err(`"${value}" is not valid hex`);
  return ok(Buffer.from(hex, 'hex'));
}

function separatedHex(value: string, groups: number, groupBytes: number): Buffer | undefined {
  const parts = value.split(/[:-]/);
  if (
    parts.length !== groups ||
    !parts.every((p) => new RegExp(`^[0-9a-f]{1,${groupBytes * 2}}$`, 'i').test(p))
  ) {
    return undefined;
  }
  return Buffer.from(parts.map((p) => p.padStart(groupBytes * 2, '0')).join(''), 'hex');
}

function prefixValue(value: string, v6: boolean): Buffer | undefined {
  const parsed = v6 ? parsePrefix(value, parseIpv6, 128) : parsePrefix(value, parseIpv4, 32);
  if (parsed === undefined) return undefined;
  const [addr, len] = parsed;
  // RFC 3162 §2.3: Reserved, Prefix-Length, then only the octets the prefix needs; RFC 6572 §3.1: IPv4 always 4.
  const prefixBytes = v6 ? Math.ceil(len / 8) : 4;
  return Buffer.concat([Buffer.from([0, len]), addr.subarray(0, prefixBytes)]);
}

/**
 * Encodes one value by the dictionary type of `info` (RFC 8044 §3 data types). A Buffer is taken as the
 * wire value (checked against a fixed size). Errors name the attribute.
 */
export function encodeValue(info: AttributeInfo, value: AttributeValue): Result<Buffer, string> {
  const what = `attribute "${info.name}"`;
  const type = info.valueType;
  if (Buffer.isBuffer(value)) {
    const size = FIXED_SIZE[type];
    if (size !== undefined && value.length !== size) return err(`${what}: a ${type} value is ${size} octets`);
    return ok(value);
  }
  const bad = (): Result<Buffer, string> => err(`${what}: ${JSON.stringify(value)} is not a valid ${type}`);
  switch (type) {
    case 'string':
      return ok(Buffer.from(String(value), 'utf8'));
    case 'octets':
      return typeof value === 'string' ? hexOrText(value) : bad();
    case 'integer':
    case 'short':
    case 'byte': {
      const n = integerValue(info, value);
      return n === undefined ? bad() : unsigned(n, FIXED_SIZE[type]!, what);
    }
    case 'signed': {
      const n = typeof value === 'number' ? value : /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) return bad();
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return ok(b);
    }
    case 'integer64': {
      if (typeof value === 'number' ? !Number.isSafeInteger(value) || value < 0 : !/^\d+$/.test(value))
        return bad();
      const n = BigInt(value);
      if (n >= 2n ** 64n) return bad();
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(n);
      return ok(b);
    }
    case 'date': {
      const seconds = typeof value === 'number' ? value : Math.floor(Date.parse(value) / 1000);
      return Number.isNaN(seconds) ? bad() : unsigned(seconds, 4, what);
    }
    case 'ipaddr': {
      const b = typeof value === 'string' ? parseIpv4(value) : undefined;
      return b ? ok(b) : bad();
    }
    case 'ipv6addr': {
      const b = typeof value === 'string' ? parseIpv6(value) : undefined;
      return b ? ok(b) : bad();
    }
    case 'ipv6prefix':
    case 'ipv4prefix': {
      const b = typeof value === 'string' ? prefixValue(value, type === 'ipv6prefix') : undefined;
      return b ? ok(b) : bad();
    }
    case 'ifid': {
      const b = typeof value === 'string' ? separatedHex(value, 4, 2) : undefined;
      return b ? ok(b) : bad();
    }
    case 'ether': {
      const b = typeof value === 'string' ? separatedHex(value, 6, 1) : undefined;
      return b ? ok(b) : bad();
    }
  }
}

/**
 * Decodes a value for logs and tooling: strings as text, integers as numbers (or their VALUE name),
 * addresses as text, dates as Unix seconds, octets as Buffers. A value of the wrong size stays a Buffer.
 */
export function decodeValue(info: AttributeInfo, raw: Buffer): AttributeValue {
  const type = info.valueType;
  const size = FIXED_SIZE[type];
  if (size !== undefined && raw.length !== size) return raw;
  switch (type) {
    case 'string':
      return raw.toString('utf8');
    case 'integer':
    case 'short':
    case 'byte': {
      const n = raw.readUIntBE(0, size!);
      return valueName(info, n) ?? n;
    }
    case 'signed':
      return raw.readInt32BE(0);
    case 'integer64': {
      const n = raw.readBigUInt64BE(0);
      return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    }
    case 'date':
      return raw.readUInt32BE(0);
    case 'ipaddr':
      return [...raw].join('.');
    case 'ipv6addr':
      return formatIpv6(raw);
    case 'ipv6prefix': {
      if (raw.length < 2 || raw.length > 18 || raw[1]! > 128) return raw;
      const addr = Buffer.alloc(16);
      raw.copy(addr, 0, 2);
      return `${formatIpv6(addr)}/${raw[1]}`;
    }
    case 'ipv4prefix':
      return raw.length === 6 && raw[1]! <= 32 ? `${[...raw.subarray(2)].join('.')}/${raw[1]}` : raw;
    case 'ifid':
      return raw.toString('hex').match(/.{4}/g)!.join(':');
    case 'ether':
      return raw.toString('hex').match(/.{2}/g)!.join(':');
    case 'octets':
      return raw;
  }
}
