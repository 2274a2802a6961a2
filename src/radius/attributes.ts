import type { ReplyAttribute } from '../pipeline/types.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { Attr, MAX_ATTRIBUTE_VALUE_LENGTH } from './codes.js';
import { type AttributeInfo, attributeInfo, lookupAttribute } from './dictionary.js';
import type { Frame } from './frame.js';
import { type AttributeValue, decodeValue, encodeValue } from './values.js';

/** RFC 2865 §5.26: type, length, 4-octet Vendor-Id, vendor type, vendor length. */
const VSA_OVERHEAD = 6;
/** The most data one vendor sub-attribute can carry inside one Vendor-Specific attribute. */
export const MAX_VSA_VALUE_LENGTH = MAX_ATTRIBUTE_VALUE_LENGTH - VSA_OVERHEAD;
/** RFC 2868 §3.1: tags are 0x01..0x1F; 0 means "no tag". */
const MAX_TAG = 0x1f;

/** One TLV: Type, Length, Value (RFC 2865 §5). Throws AppError(RADIUS_ENCODE) on a bad type or length. */
export function rawTlv(type: number, value: Buffer): Buffer {
  if (!Number.isInteger(type) || type < 1 || type > 255 || value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
    throw new AppError(
      ErrorCodes.RADIUS_ENCODE,
      'attribute type must be 1..255 and its value at most 253 octets',
      {
        type,
        length: value.length,
      },
    );
  }
  const out = Buffer.allocUnsafe(2 + value.length);
  out[0] = type;
  out[1] = 2 + value.length;
  value.copy(out, 2);
  return out;
}

/** RFC 2865 §5.26: one vendor sub-attribute wrapped in its own Vendor-Specific (26) attribute. */
export function vendorTlv(vendor: number, vendorType: number, value: Buffer): Buffer {
  const data = Buffer.allocUnsafe(4 + 2 + value.length);
  data.writeUInt32BE(vendor, 0);
  data[4] = vendorType;
  data[5] = 2 + value.length;
  value.copy(data, 6);
  return rawTlv(Attr.VendorSpecific, data);
}

/** Splits octets into chunks of at most `max`; for text, never inside a UTF-8 sequence. */
function chunk(value: Buffer, max: number, utf8: boolean): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  while (start < value.length) {
    let end = Math.min(start + max, value.length);
    // Back off continuation octets (10xxxxxx) so each chunk is valid UTF-8 on its own.
    if (utf8 && end < value.length) {
      let e = end;
      while (e > start && (value[e]! & 0xc0) === 0x80) e--;
      if (e > start) end = e;
    }
    out.push(value.subarray(start, end));
    start = end;
  }
  return out;
}

/**
 * RFC 2865 §5.18: a Reply-Message longer than one attribute is sent as several, which the NAS
 * concatenates. Splits at 253 octets, on UTF-8 character boundaries. '' gives no attributes.
 */
export function replyMessageAttributes(text: string): Buffer[] {
  return chunk(Buffer.from(text, 'utf8'), MAX_ATTRIBUTE_VALUE_LENGTH, true).map((c) =>
    rawTlv(Attr.ReplyMessage, c),
  );
}

export interface EncodeOptions {
  /** Split a string/octets value too long for one attribute into several (always on for Reply-Message). */
  readonly split?: boolean;
}

/** Resolves a ReplyAttribute name: a dictionary name (optionally `Name:tag`) or a bare attribute number. */
function resolve(
  name: string | number,
  value: AttributeValue,
): Result<[AttributeInfo, number | undefined], string> {
  if (typeof name === 'number') {
    if (!Number.isInteger(name) || name < 1 || name > 255)
      return err(`attribute number ${name} is not 1..255`);
    const known = attributeInfo(name);
    if (known) return ok([known, undefined]);
    const valueType = Buffer.isBuffer(value) ? 'octets' : typeof value === 'number' ? 'integer' : 'string';
    return ok([{ name: `Attr-${name}`, type: name, valueType, hasTag: false, encrypt: 0 }, undefined]);
  }
  // FreeRADIUS syntax for a tagged attribute: Tunnel-Private-Group-Id:1
  const m = /^(.+):(\d{1,2})$/.exec(name);
  const info = lookupAttribute(m ? m[1]! : name);
  if (!info) return err(`unknown RADIUS attribute "${name}"`);
  if (!m) return ok([info, undefined]);
  const tag = Number(m[2]);
  if (!info.hasTag) return err(`attribute "${info.name}" takes no tag`);
  if (tag > MAX_TAG) return err(`attribute "${info.name}": tag ${tag} is not 0..31`);
  return ok([info, tag]);
}

/** RFC 2868 §3.1: where the tag octet goes, for tagged attributes. */
function applyTag(info: AttributeInfo, value: Buffer, tag: number | undefined): Result<Buffer, string> {
  if (!info.hasTag) return ok(value);
  if (info.valueType === 'integer') {
    // A tagged integer is a tag octet plus a 3-octet value.
    if (value[0] !== 0) return err(`attribute "${info.name}": a tagged value must be below 2^24`);
    const out = Buffer.from(value);
    out[0] = tag ?? 0;
    return ok(out);
  }
  // Strings: the tag octet is optional, but a first octet <= 0x1F would be read as one.
  if (tag !== undefined || (value.length > 0 && value[0]! <= MAX_TAG)) {
    return ok(Buffer.concat([Buffer.from([tag ?? 0]), value]));
  }
  return ok(value);
}

/**
 * Encodes a reply attribute into wire TLVs: standard ones as Type-Length-Value, vendor ones wrapped in
 * Vendor-Specific with their Vendor-Id (RFC 2865 §5.26). Named integer values (Service-Type =
 * 'Framed-User') come from the dictionary. A value too long for one attribute is split for Reply-Message
 * (RFC 2865 §5.18) or when `opts.split` is set, otherwise refused. Meant for config time: cache the result.
 */
export function encodeAttribute(attr: ReplyAttribute, opts: EncodeOptions = {}): Result<Buffer[], string> {
  const resolved = resolve(attr.name, attr.value);
  if (!resolved.ok) return resolved;
  const [info, tag] = resolved.value;
  if (info.type === Attr.MessageAuthenticator)
    return err('Message-Authenticator is added by the packet builder');
  if (info.encrypt !== 0) {
    return err(
      `attribute "${info.name}" is encrypted per packet (RFC 2865 §5.2 / RFC 2868 §3.5); it cannot be configured`,
    );
  }
  // A number with a Buffer is a raw wire value (an upstream server's reply attribute passed through,
  // issue 5): sent byte-exact, tag octet and vendor sub-attributes included, no dictionary re-encoding.
  if (typeof attr.name === 'number' && Buffer.isBuffer(attr.value)) {
    if (attr.value.length === 0 || attr.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      return err(`attribute ${attr.name}: a raw value is 1..${MAX_ATTRIBUTE_VALUE_LENGTH} octets`);
    }
    return ok([rawTlv(attr.name, attr.value)]);
  }
  if (info.type === Attr.VendorSpecific && info.vendor === undefined && !Buffer.isBuffer(attr.value)) {
    return err(
      'Vendor-Specific needs a Buffer (Vendor-Id and sub-attributes); name the vendor attribute instead',
    );
  }
  const encoded = encodeValue(info, attr.value);
  if (!encoded.ok) return encoded;
  // RFC 2865 §5: text and string values are 1..253 octets.
  if (encoded.value.length === 0) return err(`attribute "${info.name}": empty value`);
  const tagged = applyTag(info, encoded.value, tag);
  if (!tagged.ok) return tagged;
  const value = tagged.value;

  const max = info.vendor === undefined ? MAX_ATTRIBUTE_VALUE_LENGTH : MAX_VSA_VALUE_LENGTH;
  let parts = [value];
  if (value.length > max) {
    const splittable = (info.valueType === 'string' || info.valueType === 'octets') && !info.hasTag;
    const wanted = opts.split === true || (info.type === Attr.ReplyMessage && info.vendor === undefined);
    if (!splittable || !wanted) {
      return err(
        `attribute "${info.name}": value is ${value.length} octets, at most ${max} fit in one attribute`,
      );
    }
    parts = chunk(value, max, info.valueType === 'string');
  }
  return ok(
    parts.map((p) =>
      info.vendor === undefined ? rawTlv(info.type, p) : vendorTlv(info.vendor, info.vendorType!, p),
    ),
  );
}

export interface DecodedAttribute {
  readonly name: string;
  /** The standard type, or the vendor type for a vendor attribute. */
  readonly type: number;
  readonly vendor?: number;
  readonly tag?: number;
  readonly value: AttributeValue;
}

/** Secrets and opaque tokens: always returned as Buffers so a logger can redact them by type. */
const SENSITIVE: ReadonlySet<number> = new Set([
  Attr.UserPassword,
  Attr.ChapPassword,
  Attr.State,
  Attr.TunnelPassword,
  Attr.MessageAuthenticator,
]);

function decodeOne(
  info: AttributeInfo | undefined,
  raw: Buffer,
  name: string,
  type: number,
  vendor?: number,
) {
  const base = { name: info?.name ?? name, type, ...(vendor !== undefined ? { vendor } : {}) };
  if (info === undefined) return { ...base, value: raw };
  if (info.encrypt !== 0 || (vendor === undefined && SENSITIVE.has(type))) return { ...base, value: raw };
  let tag: number | undefined;
  let value = raw;
  if (info.hasTag && raw.length > 0 && raw[0]! <= MAX_TAG) {
    tag = raw[0]!;
    value =
      info.valueType === 'integer' ? Buffer.concat([Buffer.from([0]), raw.subarray(1)]) : raw.subarray(1);
  }
  return { ...base, ...(tag !== undefined ? { tag } : {}), value: decodeValue(info, value) };
}

/** RFC 2865 §5.26: the vendor sub-attributes of one Vendor-Specific value, or undefined if malformed. */
function vendorParts(value: Buffer): { vendor: number; parts: [number, Buffer][] } | undefined {
  if (value.length < 4 + 2) return undefined;
  const parts: [number, Buffer][] = [];
  let off = 4;
  while (off < value.length) {
    const len = value[off + 1];
    if (len === undefined || len < 2 || off + len > value.length) return undefined;
    parts.push([value[off]!, value.subarray(off + 2, off + len)]);
    off += len;
  }
  return { vendor: value.readUInt32BE(0), parts };
}

/**
 * Every attribute with its dictionary name and a display value, for logs and tooling (not the hot path).
 * User-Password, CHAP-Password, State, Tunnel-Password, Message-Authenticator and every encrypted
 * attribute keep their raw Buffer. Unknown attributes are named Attr-N / Vendor-V-Attr-N.
 */
export function decodeAttributes(frame: Frame): DecodedAttribute[] {
  const out: DecodedAttribute[] = [];
  for (const attr of frame.attributes) {
    if (attr.type !== Attr.VendorSpecific) {
      out.push(decodeOne(attributeInfo(attr.type), attr.value, `Attr-${attr.type}`, attr.type));
      continue;
    }
    const vsa = vendorParts(attr.value);
    if (!vsa) {
      out.push({ name: 'Vendor-Specific', type: Attr.VendorSpecific, value: attr.value });
      continue;
    }
    for (const [vendorType, value] of vsa.parts) {
      const info = attributeInfo(vendorType, vsa.vendor);
      out.push(decodeOne(info, value, `Vendor-${vsa.vendor}-Attr-${vendorType}`, vendorType, vsa.vendor));
    }
  }
  return out;
}
