import { rawTlv } from '../radius/attributes.js';
import { Attr, PacketCode } from '../radius/codes.js';
import { hidePassword } from '../radius/password.js';
import { buildRequest } from '../radius/request.js';
import type { Rng } from '../shared/clock.js';

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

/**
 * The packet for one server and one Identifier: a fresh random Request Authenticator (Access-Request,
 * Status-Server), the User-Password hidden with this server's secret and that authenticator,
 * our Proxy-State last (RFC 2865 §5.33), and a Message-Authenticator first for Access-Request and
 * Status-Server (RFC 3579 §3.2, RFC 5997 §3; BlastRADIUS: first). Accounting-Request gets the
 * computed RFC 2866 §3 authenticator and no Message-Authenticator.
 */
export function encodeRequest(
  req: OutgoingRequest,
  identifier: number,
  secret: Buffer,
  rng: Rng,
  proxyState: Buffer,
): EncodedRequest {
  const random = req.code !== PacketCode.AccountingRequest;
  const authenticator = random ? rng.bytes(16) : undefined;
  const attributes: Buffer[] = [...req.attributes];
  if (req.password !== undefined && authenticator !== undefined) {
    attributes.push(rawTlv(Attr.UserPassword, hidePassword(req.password, secret, authenticator)));
  }
  attributes.push(proxyState);
  const packet = buildRequest({ code: req.code, identifier, secret, authenticator, attributes });
  return { packet, authenticator: packet.subarray(4, 20) };
}
