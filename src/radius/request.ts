import { AppError, ErrorCodes } from '../shared/errors.js';
import type { Rng } from '../shared/clock.js';
import { AUTHENTICATOR_LENGTH, HEADER_LENGTH, MAX_PACKET_LENGTH, PacketCode } from './codes.js';
import {
  allocatePacket,
  assertTlvs,
  MA_TLV_LENGTH,
  sealPacket,
  signMessageAuthenticator,
  writeZeroMa,
} from './packet-writer.js';

export interface BuildRequestArgs {
  readonly code: number;
  readonly identifier: number;
  readonly secret: Buffer;
  /**
   * 16 random octets, required for Access-Request and Status-Server (RFC 2865 §3: unpredictable and
   * unique over the secret's lifetime); use accessRequestAuthenticator(rng). Hide User-Password with this
   * same value. Must be absent for Accounting/CoA/Disconnect-Request, whose authenticator is computed.
   */
  readonly authenticator?: Buffer;
  /** Encoded TLVs; each Buffer holds one or more whole TLVs. */
  readonly attributes: readonly Buffer[];
  /** Default: true for Access-Request and Status-Server (RFC 5997 §3: MUST), false otherwise. MA goes first. */
  readonly addMessageAuthenticator?: boolean;
}

/** RFC 2865 §3: the Request Authenticator of an Access-Request is 16 unpredictable octets. */
export function accessRequestAuthenticator(rng: Rng): Buffer {
  return rng.bytes(AUTHENTICATOR_LENGTH);
}

function fail(message: string, context: Record<string, unknown> = {}): never {
  throw new AppError(ErrorCodes.RADIUS_ENCODE, message, context);
}

/**
 * Builds a request for the upstream client and the radtest CLI. Access-Request / Status-Server carry the
 * given random authenticator, and the MA is HMAC-MD5 over the packet as sent (RFC 3579 §3.2).
 * Accounting-Request (and CoA/Disconnect-Request) get the RFC 2866 §3 authenticator
 * MD5(Code + ID + Length + 16 zero octets + Attributes + Secret), computed after the MA, which is itself
 * taken with a zeroed header vector (as FreeRADIUS does). Bad arguments are bugs: AppError(RADIUS_ENCODE).
 */
export function buildRequest(args: BuildRequestArgs): Buffer {
  const { code, identifier, secret, authenticator, attributes } = args;
  const randomAuthenticator = code === PacketCode.AccessRequest || code === PacketCode.StatusServer;
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 255) fail('identifier must be 0..255');
  if (randomAuthenticator && authenticator?.length !== AUTHENTICATOR_LENGTH) {
    fail('Access-Request and Status-Server need a 16-octet random authenticator');
  }
  if (!randomAuthenticator && authenticator !== undefined) {
    fail('this request code computes its own authenticator (RFC 2866 §3)', { code });
  }
  const withMa = args.addMessageAuthenticator ?? randomAuthenticator;

  let length = HEADER_LENGTH + (withMa ? MA_TLV_LENGTH : 0);
  for (const tlvs of attributes) {
    assertTlvs(tlvs);
    length += tlvs.length;
  }
  if (length > MAX_PACKET_LENGTH) fail('request longer than 4096 octets (RFC 2865 §3)', { length });

  const buf = allocatePacket(code, identifier, length, secret);
  if (authenticator !== undefined) authenticator.copy(buf, 4);
  else buf.fill(0, 4, HEADER_LENGTH);
  let off = withMa ? writeZeroMa(buf, HEADER_LENGTH) : HEADER_LENGTH;
  for (const tlvs of attributes) off += tlvs.copy(buf, off);

  // With a computed authenticator the header holds zeros here, which is also the MA's input.
  if (withMa) signMessageAuthenticator(buf, length, HEADER_LENGTH, secret);
  if (randomAuthenticator) return buf.subarray(0, length);
  return sealPacket(buf, length, secret);
}
