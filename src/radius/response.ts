import { err, ok, type Result } from '../shared/result.js';
import { Attr, AUTHENTICATOR_LENGTH, HEADER_LENGTH, MAX_PACKET_LENGTH, PacketCode } from './codes.js';
import type { Frame } from './frame.js';
import {
  allocatePacket,
  assertTlvs,
  MA_TLV_LENGTH,
  sealPacket,
  signMessageAuthenticator,
  writeZeroMa,
} from './packet-writer.js';

export interface BuildResponseArgs {
  readonly code: number;
  readonly request: Frame;
  readonly secret: Buffer;
  /** Encoded TLVs (encodeAttribute / rawTlv output); each Buffer holds one or more whole TLVs. */
  readonly attributes: readonly Buffer[];
  /**
   * Default true: every response carries a Message-Authenticator. Only turn it off for an
   * Accounting-Response to a NAS known to choke on one.
   */
  readonly messageAuthenticator?: boolean;
}

const ZERO_VECTOR = Buffer.alloc(AUTHENTICATOR_LENGTH);

/**
 * Builds a reply to `request`, in this order:
 *  1. Message-Authenticator first (BlastRADIUS, CVE-2024-3596: the MA must precede any attacker-chosen
 *     attribute so an MD5 chosen-prefix collision cannot be hidden before it);
 *  2. the given attributes;
 *  3. every Proxy-State of the request, in order (RFC 2865 §5.33).
 * The MA is HMAC-MD5 over the reply with the Request Authenticator in the header and the MA zeroed
 * (RFC 3579 §3.2); then the Response Authenticator = MD5(Code + ID + Length + RequestAuth + Attributes +
 * Secret) (RFC 2865 §3, RFC 2866 §4.2 for Accounting-Response). An Accounting-Response to an
 * Accounting-Request computes its MA with a zeroed header vector, as FreeRADIUS does (no RFC defines it).
 * One allocation; returns 'too_long' past 4096 octets. Throws AppError only for malformed `attributes`.
 */
export function buildResponse(args: BuildResponseArgs): Result<Buffer, 'too_long'> {
  const { code, request, secret, attributes } = args;
  const withMa = args.messageAuthenticator !== false;

  let length = HEADER_LENGTH + (withMa ? MA_TLV_LENGTH : 0);
  for (const tlvs of attributes) {
    assertTlvs(tlvs);
    length += tlvs.length;
  }
  for (const attr of request.attributes) {
    if (attr.type === Attr.ProxyState) length += 2 + attr.value.length;
  }
  // RFC 2865 §3: "The maximum length is 4096."
  if (length > MAX_PACKET_LENGTH) return err('too_long');

  const buf = allocatePacket(code, request.identifier, length, secret);
  request.authenticator.copy(buf, 4);
  let off = withMa ? writeZeroMa(buf, HEADER_LENGTH) : HEADER_LENGTH;
  for (const tlvs of attributes) off += tlvs.copy(buf, off);
  for (const attr of request.attributes) {
    if (attr.type === Attr.ProxyState)
      off += request.raw.copy(buf, off, attr.offset, attr.offset + 2 + attr.value.length);
  }

  if (withMa) {
    const zeroVector = code === PacketCode.AccountingResponse && request.code !== PacketCode.StatusServer;
    signMessageAuthenticator(buf, length, HEADER_LENGTH, secret, zeroVector ? ZERO_VECTOR : undefined);
  }
  return ok(sealPacket(buf, length, secret));
}
