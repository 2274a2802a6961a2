import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Attr, AUTHENTICATOR_LENGTH, HEADER_LENGTH, MESSAGE_AUTHENTICATOR_LENGTH, PacketCode } from './codes.js';
import type { Frame, RawAttribute } from './frame.js';

/**
 * Sixteen zero octets: the stand-in for the Message-Authenticator value and, where the spec says so,
 * for the header's authenticator while a digest is computed. Module-private; never handed out.
 */
const ZERO16 = Buffer.alloc(AUTHENTICATOR_LENGTH);

/**
 * What stands in octets 4..20 of the header while a digest is computed: the header's own authenticator,
 * sixteen zero octets, or a given 16-octet value (the Request Authenticator, for replies).
 */
export type Vector = 'header' | 'zero' | Buffer;

/** Constant-time equality for digests; unequal lengths are simply unequal. */
export function digestEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * HMAC-MD5 over the packet with the Message-Authenticator value counted as sixteen zero octets
 * (RFC 3579 §3.2), with `vector` in octets 4..20 of the header.
 * No copy of the packet: the parts are fed to the HMAC in order.
 */
export function hmacWithZeroedMa(raw: Buffer, maValueOffset: number, secret: Buffer, vector: Vector): Buffer {
  const h = createHmac('md5', secret);
  if (vector === 'header') {
    h.update(raw.subarray(0, maValueOffset));
  } else {
    h.update(raw.subarray(0, 4));
    h.update(vector === 'zero' ? ZERO16 : vector);
    h.update(raw.subarray(HEADER_LENGTH, maValueOffset));
  }
  h.update(ZERO16);
  h.update(raw.subarray(maValueOffset + MESSAGE_AUTHENTICATOR_LENGTH));
  return h.digest();
}

/**
 * MD5(Code + Identifier + Length + vector + Attributes + Secret): the Response Authenticator when `vector`
 * is the Request Authenticator (RFC 2865 §3), the Accounting-Request Authenticator when it is sixteen
 * zero octets (RFC 2866 §3).
 */
export function md5Authenticator(raw: Buffer, secret: Buffer, vector: 'zero' | Buffer): Buffer {
  const h = createHash('md5');
  h.update(raw.subarray(0, 4));
  h.update(vector === 'zero' ? ZERO16 : vector);
  h.update(raw.subarray(HEADER_LENGTH));
  h.update(secret);
  return h.digest();
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
  return code === PacketCode.AccountingRequest || code === PacketCode.DisconnectRequest || code === PacketCode.CoaRequest;
}
