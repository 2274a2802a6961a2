import { timingSafeEqual } from 'node:crypto';
import { Attr, HEADER_LENGTH, MESSAGE_AUTHENTICATOR_LENGTH, PacketCode } from './codes.js';
import type { Frame, RawAttribute } from './frame.js';
import { hmacKey, md5 } from './md5.js';

/**
 * What stands in octets 4..20 of the header while a digest is computed: the header's own authenticator,
 * sixteen zero octets, or a given 16-octet value (the Request Authenticator, for replies).
 */
export type Vector = 'header' | 'zero' | Buffer;

/** Constant-time equality for digests; unequal lengths are simply unequal. */
export function digestEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const ZERO_VECTOR = Buffer.alloc(16);

/** Octets 4..20 as the digest sees them. */
function vectorOf(raw: Buffer, vector: Vector): Buffer {
  if (vector === 'header') return raw.subarray(4, HEADER_LENGTH);
  return vector === 'zero' ? ZERO_VECTOR : vector;
}

/**
 * HMAC-MD5 over the packet with the Message-Authenticator value counted as sixteen zero octets
 * (RFC 3579 §3.2), with `vector` in octets 4..20 of the header. Hashed in parts: no copy.
 */
export function hmacWithZeroedMa(raw: Buffer, maValueOffset: number, secret: Buffer, vector: Vector): Buffer {
  return hmacKey(secret).mac(
    raw.subarray(0, 4),
    vectorOf(raw, vector),
    raw.subarray(HEADER_LENGTH, maValueOffset),
    ZERO_VECTOR, // the MA value counted as zeros: 16 octets, the same length
    raw.subarray(maValueOffset + MESSAGE_AUTHENTICATOR_LENGTH),
  );
}

/**
 * MD5(Code + Identifier + Length + vector + Attributes + Secret): the Response Authenticator when `vector`
 * is the Request Authenticator (RFC 2865 §3), the Accounting-Request Authenticator when it is sixteen
 * zero octets (RFC 2866 §3).
 */
export function md5Authenticator(raw: Buffer, secret: Buffer, vector: 'zero' | Buffer): Buffer {
  return md5(raw.subarray(0, 4), vectorOf(raw, vector), raw.subarray(HEADER_LENGTH), secret);
}

/**
 * The one Message-Authenticator of a frame: undefined when absent, null when there is more than one
 * (RFC 3579 §3.2 allows at most one) or its length is not 16.
 */
export function soleMessageAuthenticator(frame: Frame): RawAttribute | null | undefined {
  let found: RawAttribute | undefined;
  for (const attr of frame.attributes) {
    if (attr.type !== Attr.MessageAuthenticator) continue;
    if (found !== undefined) return null;
    found = attr;
  }
  if (found !== undefined && found.value.length !== MESSAGE_AUTHENTICATOR_LENGTH) return null;
  return found;
}

/**
 * Requests whose authenticator is itself a digest of the packet (RFC 2866 §3; RFC 5176 §3) cannot have
 * that digest inside the Message-Authenticator's input, so the HMAC is taken with sixteen zero octets in
 * its place. This is what FreeRADIUS does (rad_sign / rad_verify), the de-facto reference.
 */
export function requestUsesZeroVector(code: number): boolean {
  return (
    code === PacketCode.AccountingRequest ||
    code === PacketCode.DisconnectRequest ||
    code === PacketCode.CoaRequest
  );
}
