import { AppError, ErrorCodes } from '../shared/errors.js';
import { hmacKey, md5 } from './md5.js';
import { Attr, AUTHENTICATOR_LENGTH, HEADER_LENGTH, MESSAGE_AUTHENTICATOR_LENGTH } from './codes.js';

/** Message-Authenticator on the wire: type, length, 16 octets (RFC 3579 §3.2). */
export const MA_TLV_LENGTH = 2 + MESSAGE_AUTHENTICATOR_LENGTH;

/**
 * Checks that a caller-supplied Buffer is a whole number of well-formed TLVs and holds no
 * Message-Authenticator (the builders add exactly one). A failure is a bug in the caller: it throws.
 */
export function assertTlvs(tlvs: Buffer): void {
  let off = 0;
  while (off < tlvs.length) {
    const len = tlvs[off + 1];
    if (len === undefined || len < 2 || off + len > tlvs.length) {
      throw new AppError(ErrorCodes.RADIUS_ENCODE, 'malformed attribute TLV passed to the packet builder', {
        off,
      });
    }
    if (tlvs[off] === Attr.MessageAuthenticator) {
      throw new AppError(ErrorCodes.RADIUS_ENCODE, 'Message-Authenticator is added by the packet builder');
    }
    off += len;
  }
}

/**
 * One allocation for a packet of `length` octets plus room for the secret after it, so the MD5 over
 * packet || secret needs no second buffer. The header's code, identifier and length are written;
 * the authenticator and attributes are the caller's to fill.
 */
export function allocatePacket(code: number, identifier: number, length: number, secret: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(length + secret.length);
  buf[0] = code;
  buf[1] = identifier;
  buf.writeUInt16BE(length, 2);
  return buf;
}

/** Writes a zeroed Message-Authenticator at `off`; returns the offset after it. */
export function writeZeroMa(buf: Buffer, off: number): number {
  buf[off] = Attr.MessageAuthenticator;
  buf[off + 1] = MA_TLV_LENGTH;
  buf.fill(0, off + 2, off + MA_TLV_LENGTH);
  return off + MA_TLV_LENGTH;
}

/**
 * RFC 3579 §3.2: HMAC-MD5 over the packet (MA value still zero) with `vector` in the header for the
 * duration of the computation, then written into the MA at `maOffset`. `vector` undefined: the header as is.
 */
export function signMessageAuthenticator(
  buf: Buffer,
  length: number,
  maOffset: number,
  secret: Buffer,
  vector?: Buffer,
): void {
  const key = hmacKey(secret);
  const mac =
    vector === undefined
      ? key.mac(buf.subarray(0, length))
      : key.mac(buf.subarray(0, 4), vector, buf.subarray(HEADER_LENGTH, length));
  mac.copy(buf, maOffset + 2);
}

/**
 * MD5(packet || secret) with whatever is in the header's authenticator field now (the Request
 * Authenticator for replies, RFC 2865 §3; zeros for Accounting-Request, RFC 2866 §3), written into that
 * field. Wipes the secret from the spare room and returns the packet view.
 */
export function sealPacket(buf: Buffer, length: number, secret: Buffer): Buffer {
  const digest = md5(buf.subarray(0, length), secret);
  buf.fill(0, length);
  digest.copy(buf, 4, 0, AUTHENTICATOR_LENGTH);
  return buf.subarray(0, length);
}
