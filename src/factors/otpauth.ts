import type { TotpAlgorithm } from '../store/token-repo.js';
import { base32Encode } from './totp.js';

export interface OtpauthParams {
  readonly issuer: string;
  readonly account: string;
  readonly secret: Buffer;
  readonly digits: number;
  readonly period: number;
  readonly algorithm: TotpAlgorithm;
}

/**
 * The Key Uri Format read by authenticator apps (github.com/google/google-authenticator/wiki/Key-Uri-Format):
 *   otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
 * Issuer and account are percent-encoded separately (RFC 3986, spaces as %20, never '+'), with a
 * literal ':' between them; the issuer parameter is repeated because older apps read only one of the two.
 * The URI carries the seed: show it once (QR code) and never log it.
 */
export function otpauthUri(p: OtpauthParams): string {
  const label = `${pct(p.issuer)}:${pct(p.account)}`;
  const query = [
    `secret=${base32Encode(p.secret)}`,
    `issuer=${pct(p.issuer)}`,
    `algorithm=${p.algorithm.toUpperCase()}`,
    `digits=${p.digits}`,
    `period=${p.period}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** encodeURIComponent leaves RFC 3986 sub-delims !'()* as they are; some QR readers choke on them. */
function pct(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
