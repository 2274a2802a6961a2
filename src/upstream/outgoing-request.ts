import { rawTlv } from '../radius/attributes.js';
import {
  Attr,
  HEADER_LENGTH,
  MAX_PACKET_LENGTH,
  MESSAGE_AUTHENTICATOR_LENGTH,
  PacketCode,
} from '../radius/codes.js';
import { hidePassword, MAX_PASSWORD_LENGTH } from '../radius/password.js';
import { buildRequest } from '../radius/request.js';
import type { Rng } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';

/** A request as the failover layer sends it: the same for every server it may go to. */
export interface OutgoingRequest {
  /** Access-Request, Status-Server or Accounting-Request. */
  readonly code: number;
  /** Encoded TLVs, without User-Password, Proxy-State and Message-Authenticator (added per server). */
  readonly attributes: readonly Buffer[];
  /** The plain User-Password, hidden again with each server's secret (RFC 2865 §5.2). */
  readonly password?: Buffer;
  /** BlastRADIUS (CVE-2024-3596): refuse an answer without a valid Message-Authenticator. */
  readonly requireMessageAuthenticator: boolean;
}

export interface EncodedRequest {
  readonly packet: Buffer;
  /** A view of packet octets 4..20: what the answer's Response Authenticator is computed over. */
  readonly authenticator: Buffer;
}

/** Which answer codes belong to a request code (RFC 2865 §3, RFC 2866 §3, RFC 5997 §3). */
export function answersRequest(requestCode: number, answerCode: number): boolean {
  switch (requestCode) {
    case PacketCode.AccessRequest:
      return (
        answerCode === PacketCode.AccessAccept ||
        answerCode === PacketCode.AccessReject ||
        answerCode === PacketCode.AccessChallenge
      );
    case PacketCode.StatusServer:
      // Access-Accept on an authentication port, Accounting-Response on an accounting port.
      return answerCode === PacketCode.AccessAccept || answerCode === PacketCode.AccountingResponse;
    case PacketCode.AccountingRequest:
      return answerCode === PacketCode.AccountingResponse;
    default:
      return false;
  }
}

/** Why a request cannot be encoded at all: the same for every server and every retry. */
export type EncodeError = 'too_large';

/** Octets of our Proxy-State TLV (type, length, 4-octet process prefix, 4-octet sequence). */
export const PROXY_STATE_LENGTH = 10;

/**
 * The length the packet will have, from the request alone (no secret or Identifier needed), or
 * undefined when it cannot be sent: over 4096 octets (RFC 2865 §3) or a password over 128 octets
 * (RFC 2865 §5.2). A gateway may send a full 4096-octet request; our Proxy-State and NAS-Identifier
 * then push it over.
 */
export function encodedLength(req: OutgoingRequest): number | undefined {
  // As buildRequest: a random authenticator, a Message-Authenticator and a hidden password go together.
  const withMa = req.code === PacketCode.AccessRequest || req.code === PacketCode.StatusServer;
  let length = HEADER_LENGTH + (withMa ? 2 + MESSAGE_AUTHENTICATOR_LENGTH : 0) + PROXY_STATE_LENGTH;
  for (const tlvs of req.attributes) length += tlvs.length;
  if (req.password !== undefined && withMa) {
    if (req.password.length > MAX_PASSWORD_LENGTH) return undefined;
    length += 2 + Math.max(16, Math.ceil(req.password.length / 16) * 16);
  }
  return length > MAX_PACKET_LENGTH ? undefined : length;
}

/**
 * The packet for one server and one Identifier: a fresh random Request Authenticator (Access-Request,
 * Status-Server), the User-Password hidden with this server's secret and that authenticator,
 * our Proxy-State last (RFC 2865 §5.33), and a Message-Authenticator first for Access-Request and
 * Status-Server (RFC 3579 §3.2, RFC 5997 §3; BlastRADIUS: first). Accounting-Request gets the
 * computed RFC 2866 §3 authenticator and no Message-Authenticator. A request that cannot be sent
 * (see encodedLength) is err('too_large'), checked before anything is built.
 */
export function encodeRequest(
  req: OutgoingRequest,
  identifier: number,
  secret: Buffer,
  rng: Rng,
  proxyState: Buffer,
): Result<EncodedRequest, EncodeError> {
  // An expected outcome (a gateway's large request), so a result: buildRequest would throw.
  if (encodedLength(req) === undefined) return err('too_large');
  const random = req.code === PacketCode.AccessRequest || req.code === PacketCode.StatusServer;
  const authenticator = random ? rng.bytes(16) : undefined;
  const attributes: Buffer[] = [...req.attributes];
  if (req.password !== undefined && authenticator !== undefined) {
    attributes.push(rawTlv(Attr.UserPassword, hidePassword(req.password, secret, authenticator)));
  }
  attributes.push(proxyState);
  const packet = buildRequest({ code: req.code, identifier, secret, authenticator, attributes });
  return ok({ packet, authenticator: packet.subarray(4, 20) });
}
