import { PacketCode } from './codes.js';
import {
  digestEquals,
  hmacWithZeroedMa,
  md5Authenticator,
  requestUsesZeroVector,
  soleMessageAuthenticator,
} from './digest.js';
import type { Frame } from './frame.js';

export type MessageAuthenticatorStatus = 'absent' | 'valid' | 'invalid';

/**
 * Checks the Message-Authenticator of a request from a NAS (Access-Request, Status-Server; also
 * Accounting/CoA/Disconnect-Request, where the header's authenticator is zeroed for the HMAC).
 * RFC 3579 §3.2: HMAC-MD5 over the packet with the MA value as sixteen zero octets; RFC 5997 §3 for
 * Status-Server. More than one MA, or an MA whose length is not 16, is 'invalid'. Whether 'absent'
 * is acceptable is the caller's policy (BlastRADIUS: require it). Never throws.
 */
export function messageAuthenticatorStatus(frame: Frame, secret: Buffer): MessageAuthenticatorStatus {
  const ma = soleMessageAuthenticator(frame);
  if (ma === undefined) return 'absent';
  if (ma === null) return 'invalid';
  const vector = requestUsesZeroVector(frame.code) ? 'zero' : 'header';
  const expected = hmacWithZeroedMa(frame.raw, ma.offset + 2, secret, vector);
  return digestEquals(expected, ma.value) ? 'valid' : 'invalid';
}

/**
 * RFC 2866 §3: the Request Authenticator of an Accounting-Request is
 * MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret). The same construction holds for
 * CoA-Request and Disconnect-Request (RFC 5176 §3), so this accepts those too.
 * If a Message-Authenticator is present it must verify as well. It is computed with the header's
 * authenticator as sixteen zero octets (the authenticator depends on the MA, so it cannot be an input
 * to it), matching FreeRADIUS's rad_sign/rad_verify. Never throws.
 */
export function verifyAccountingRequest(frame: Frame, secret: Buffer): boolean {
  const expected = md5Authenticator(frame.raw, secret, 'zero');
  if (!digestEquals(expected, frame.authenticator)) return false;
  const ma = soleMessageAuthenticator(frame);
  if (ma === undefined) return true;
  if (ma === null) return false;
  const expectedMa = hmacWithZeroedMa(frame.raw, ma.offset + 2, secret, 'zero');
  return digestEquals(expectedMa, ma.value);
}

export type ResponseVerification =
  | 'valid'
  | 'bad_authenticator'
  | 'missing_message_authenticator'
  | 'bad_message_authenticator';

export interface VerifyResponseOptions {
  /** BlastRADIUS (CVE-2024-3596): refuse a reply without Message-Authenticator. */
  readonly requireMessageAuthenticator: boolean;
}

/**
 * Verifies a reply from an upstream server against the request we sent.
 * 1. RFC 2865 §3 / RFC 2866 §3: Response Authenticator = MD5(Code + ID + Length + RequestAuth + Attributes + Secret).
 * 2. RFC 3579 §3.2: the MA in a response is an HMAC-MD5 over the reply with the Request Authenticator in
 *    the header and the MA value zeroed. More than one MA, or one not 16 octets long, is bad.
 *    Accounting-Response has no RFC-defined MA; FreeRADIUS computes it with a zeroed header vector
 *    (with the Request Authenticator when answering Status-Server), so both are accepted there; either
 *    still needs the shared secret.
 * Never throws.
 */
export function verifyResponse(
  frame: Frame,
  requestAuthenticator: Buffer,
  secret: Buffer,
  opts: VerifyResponseOptions,
): ResponseVerification {
  const expected = md5Authenticator(frame.raw, secret, requestAuthenticator);
  if (!digestEquals(expected, frame.authenticator)) return 'bad_authenticator';

  const ma = soleMessageAuthenticator(frame);
  if (ma === undefined) return opts.requireMessageAuthenticator ? 'missing_message_authenticator' : 'valid';
  if (ma === null) return 'bad_message_authenticator';

  const maValueOffset = ma.offset + 2;
  if (digestEquals(hmacWithZeroedMa(frame.raw, maValueOffset, secret, requestAuthenticator), ma.value)) {
    return 'valid';
  }
  if (
    frame.code === PacketCode.AccountingResponse &&
    digestEquals(hmacWithZeroedMa(frame.raw, maValueOffset, secret, 'zero'), ma.value)
  ) {
    return 'valid';
  }
  return 'bad_message_authenticator';
}
