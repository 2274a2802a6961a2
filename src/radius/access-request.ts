import { err, ok, type Result } from '../shared/result.js';
import { messageAuthenticatorStatus } from './authenticators.js';
import { Attr, PacketCode } from './codes.js';
import type { Frame, RawAttribute } from './frame.js';
import { unhidePassword } from './password.js';

/** How the request proves the user's password; only PAP can be checked by a proxy (RFC 2865 §5.2). */
export type AuthMethod = 'pap' | 'chap' | 'mschap' | 'mschapv2' | 'eap' | 'none';

/**
 * Why an Access-Request is not decoded. Each one names the server's drop counter without `dropped_`,
 * so a caller counts and logs it as is.
 */
export type DecodeError =
  | 'unexpected_code'
  | 'bad_message_authenticator'
  | 'missing_message_authenticator'
  | 'bad_password_encoding';

/** An authenticated Access-Request, decoded: what the server needs, no dictionary, no copies. */
export interface AccessRequestPacket {
  readonly identifier: number;
  /** User-Name (RFC 2865 §5.1) as UTF-8, or undefined when absent. */
  readonly userName: string | undefined;
  /** The unhidden User-Password (RFC 2865 §5.2), NUL padding stripped; undefined when absent. */
  readonly password: Buffer | undefined;
  /** State (RFC 2865 §5.24): opaque, never logged. */
  readonly state: Buffer | undefined;
  /** NAS-IP-Address (RFC 2865 §5.4) in dotted quad, when present and 4 octets. */
  readonly nasIpAddress: string | undefined;
  readonly nasIdentifier: string | undefined;
  readonly callingStationId: string | undefined;
  readonly authMethod: AuthMethod;
  /** 'valid', or 'absent' where the caller allowed that (decodeAccessRequest's options). */
  readonly messageAuthenticator: 'valid' | 'absent';
  /** Every attribute in wire order, as views of the datagram (for a primary that forwards them). */
  readonly attributes: readonly RawAttribute[];
}

export interface DecodeOptions {
  /** BlastRADIUS (CVE-2024-3596): refuse a request without Message-Authenticator. Default false. */
  readonly requireMessageAuthenticator?: boolean;
}

/** RFC 2548 §2.1: Microsoft's Vendor-Id, and its MS-CHAP response attributes (§2.3.2, §2.3.3). */
const MICROSOFT = 311;
const MS_CHAP_RESPONSE = 1;
const MS_CHAP2_RESPONSE = 25;

/** The MS-CHAP version a Vendor-Specific value carries, by RFC 2865 §5.26 sub-attributes. */
function msChapVersion(value: Buffer): 'mschap' | 'mschapv2' | undefined {
  if (value.length < 6 || value.readUInt32BE(0) !== MICROSOFT) return undefined;
  let found: 'mschap' | 'mschapv2' | undefined;
  let off = 4;
  while (off + 2 <= value.length) {
    const type = value[off]!;
    const len = value[off + 1]!;
    if (len < 2 || off + len > value.length) break;
    if (type === MS_CHAP2_RESPONSE) return 'mschapv2';
    if (type === MS_CHAP_RESPONSE) found = 'mschap';
    off += len;
  }
  return found;
}

/**
 * The method, by the attributes that carry the proof (RFC 2865 §5.2-5.3, RFC 2548 §2.3, RFC 3579 §3.1).
 * A User-Password wins: it is what the proxy checks. Otherwise EAP before MS-CHAPv2, MS-CHAP and CHAP,
 * the order in which FreeRADIUS's default site tries them.
 */
function authMethodOf(attributes: readonly RawAttribute[]): AuthMethod {
  let pap = false;
  let eap = false;
  let chap = false;
  let ms: 'mschap' | 'mschapv2' | undefined;
  for (const a of attributes) {
    if (a.type === Attr.UserPassword) pap = true;
    else if (a.type === Attr.EapMessage) eap = true;
    else if (a.type === Attr.ChapPassword) chap = true;
    else if (a.type === Attr.VendorSpecific && ms !== 'mschapv2') ms = msChapVersion(a.value) ?? ms;
  }
  if (pap) return 'pap';
  if (eap) return 'eap';
  if (ms) return ms;
  return chap ? 'chap' : 'none';
}

const text = (b: Buffer | undefined): string | undefined => (b ? b.toString('utf8') : undefined);

/**
 * Checks and decodes an Access-Request (RFC 2865 §4.1) whose frame is already parsed. The checks go in
 * the order the server counts them: Message-Authenticator (RFC 3579 §3.2: a wrong one, or none where
 * required or where EAP-Message is present), then the User-Password's hiding. Never throws.
 */
export function decodeAccessRequest(
  frame: Frame,
  secret: Buffer,
  opts: DecodeOptions = {},
): Result<AccessRequestPacket, DecodeError> {
  if (frame.code !== PacketCode.AccessRequest) return err('unexpected_code');
  const ma = messageAuthenticatorStatus(frame, secret);
  if (ma === 'invalid') return err('bad_message_authenticator');

  let userName: Buffer | undefined;
  let hidden: Buffer | undefined;
  let state: Buffer | undefined;
  let nasIp: Buffer | undefined;
  let nasId: Buffer | undefined;
  let calling: Buffer | undefined;
  let eap = false;
  // One walk, first occurrence of each (RFC 2865 §5.44 table: at most one of these in a request).
  for (const a of frame.attributes) {
    switch (a.type) {
      case Attr.UserName:
        userName ??= a.value;
        break;
      case Attr.UserPassword:
        hidden ??= a.value;
        break;
      case Attr.State:
        state ??= a.value;
        break;
      case Attr.NasIpAddress:
        nasIp ??= a.value;
        break;
      case Attr.NasIdentifier:
        nasId ??= a.value;
        break;
      case Attr.CallingStationId:
        calling ??= a.value;
        break;
      case Attr.EapMessage:
        eap = true;
        break;
    }
  }
  // BlastRADIUS (CVE-2024-3596): without a Message-Authenticator an Access-Request can be forged by a
  // man in the middle; RFC 3579 §3.2 makes it mandatory whenever EAP-Message is present.
  if (ma === 'absent' && (opts.requireMessageAuthenticator === true || eap)) {
    return err('missing_message_authenticator');
  }
  let password: Buffer | undefined;
  if (hidden) {
    const un = unhidePassword(hidden, secret, frame.authenticator);
    if (!un.ok) return err('bad_password_encoding');
    password = un.value;
  }
  return ok({
    identifier: frame.identifier,
    userName: text(userName),
    password,
    state,
    nasIpAddress: nasIp?.length === 4 ? `${nasIp[0]}.${nasIp[1]}.${nasIp[2]}.${nasIp[3]}` : undefined,
    nasIdentifier: text(nasId),
    callingStationId: text(calling),
    authMethod: authMethodOf(frame.attributes),
    messageAuthenticator: ma,
    attributes: frame.attributes,
  });
}
