import { err, ok, type Result } from '../shared/result.js';
import { AUTHENTICATOR_LENGTH, HEADER_LENGTH, MAX_PACKET_LENGTH } from './codes.js';

export interface RawAttribute {
  readonly type: number;
  /** A view into the datagram (no copy). Do not keep it beyond the datagram's life if the buffer is reused. */
  readonly value: Buffer;
  /** Offset of the attribute's Type octet in `frame.raw`. */
  readonly offset: number;
}

export interface Frame {
  readonly code: number;
  readonly identifier: number;
  readonly length: number;
  /** A view of octets 4..20 of `raw`. */
  readonly authenticator: Buffer;
  /** Every attribute in wire order; Vendor-Specific (26) stays one raw attribute. */
  readonly attributes: readonly RawAttribute[];
  /** Exactly `length` octets: the datagram without any padding past Length. */
  readonly raw: Buffer;
}

export type FrameError =
  | 'too_short'
  | 'too_long'
  | 'length_mismatch'
  | 'bad_attribute_length'
  | 'attribute_overrun';

/**
 * Splits a datagram into header and attributes, checking only the framing (RFC 2865 §3, §5).
 * No copies: every Buffer in the result is a view of `datagram`. Never throws.
 */
export function parseFrame(datagram: Buffer): Result<Frame, FrameError> {
  // RFC 2865 §3: "The minimum length is 20 and maximum length is 4096."
  if (datagram.length < HEADER_LENGTH) return err('too_short');
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH) return err('too_short');
  if (length > MAX_PACKET_LENGTH) return err('too_long');
  // RFC 2865 §3: "If the packet is shorter than the Length field indicates, it MUST be silently discarded."
  // Octets beyond Length are padding and are ignored.
  if (length > datagram.length) return err('length_mismatch');

  const raw = length === datagram.length ? datagram : datagram.subarray(0, length);
  const attributes: RawAttribute[] = [];
  let offset = HEADER_LENGTH;
  while (offset < length) {
    // A lone type octet with no room for the Length octet runs past the packet.
    if (offset + 2 > length) return err('attribute_overrun');
    const attrLength = raw[offset + 1]!;
    // RFC 2865 §5: Length counts Type, Length and Value, so it is at least 2.
    if (attrLength < 2) return err('bad_attribute_length');
    const end = offset + attrLength;
    // The attribute walk must end exactly at Length (RFC 2865 §3, §5).
    if (end > length) return err('attribute_overrun');
    attributes.push({ type: raw[offset]!, value: raw.subarray(offset + 2, end), offset });
    offset = end;
  }

  return ok({
    code: raw[0]!,
    identifier: raw[1]!,
    length,
    authenticator: raw.subarray(4, 4 + AUTHENTICATOR_LENGTH),
    attributes,
    raw,
  });
}

/** The value of the first attribute of `type`, or undefined. */
export function firstAttribute(frame: Frame, type: number): Buffer | undefined {
  for (const attr of frame.attributes) {
    if (attr.type === type) return attr.value;
  }
  return undefined;
}

/** The values of every attribute of `type`, in wire order (e.g. Proxy-State, Class, Reply-Message). */
export function allAttributes(frame: Frame, type: number): Buffer[] {
  const out: Buffer[] = [];
  for (const attr of frame.attributes) {
    if (attr.type === type) out.push(attr.value);
  }
  return out;
}

/** How many attributes of `type` the frame carries. */
export function countAttributes(frame: Frame, type: number): number {
  let n = 0;
  for (const attr of frame.attributes) {
    if (attr.type === type) n++;
  }
  return n;
}
