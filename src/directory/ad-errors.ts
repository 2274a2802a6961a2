import { type ReasonCode, Reasons } from '../pipeline/reasons.js';

/** LDAP resultCode invalidCredentials (RFC 4511 §4.1.9, Appendix A.2). */
export const LDAP_INVALID_CREDENTIALS = 49;

/**
 * AD puts the Win32 error of a failed bind in the diagnostic message:
 * `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563`.
 * Samba AD writes the same text. The hex after `data` is the reason.
 */
const AD_SUB_CODES: Readonly<Record<string, ReasonCode>> = {
  '52e': Reasons.BAD_PASSWORD, // ERROR_LOGON_FAILURE
  '525': Reasons.NO_SUCH_USER, // ERROR_NO_SUCH_USER
  '530': Reasons.LOGON_RESTRICTED, // ERROR_INVALID_LOGON_HOURS
  '531': Reasons.LOGON_RESTRICTED, // ERROR_INVALID_WORKSTATION
  '532': Reasons.PASSWORD_EXPIRED, // ERROR_PASSWORD_EXPIRED
  '533': Reasons.ACCOUNT_DISABLED, // ERROR_ACCOUNT_DISABLED
  '701': Reasons.ACCOUNT_EXPIRED, // ERROR_ACCOUNT_EXPIRED
  '773': Reasons.PASSWORD_MUST_CHANGE, // ERROR_PASSWORD_MUST_CHANGE
  '775': Reasons.ACCOUNT_LOCKED, // ERROR_ACCOUNT_LOCKED_OUT
};

const DATA_RE = /\bdata\s+([0-9a-f]{1,8})\b/i;

/** The AD sub-code in a bind error message, lower case without leading zeros, if any. */
export function adSubCode(message: string): string | undefined {
  const m = DATA_RE.exec(message);
  if (!m?.[1]) return undefined;
  return m[1].toLowerCase().replace(/^0+(?=.)/, '');
}

/**
 * Result codes that say the server cannot or will not check passwords on this connection (TLS
 * required, busy, unavailable): a setup or infrastructure problem, not the user's fault, so they must
 * not count against the user. RFC 4511 Appendix A.2: authMethodNotSupported (7),
 * strongerAuthRequired (8), confidentialityRequired (13), busy (51), unavailable (52).
 */
const SERVER_SIDE_CODES: ReadonlySet<number> = new Set([7, 8, 13, 51, 52]);

/**
 * The reason for a user bind the server refused. Unknown or missing sub-codes count as a bad
 * password: the safe, most common answer (OpenLDAP, FreeIPA and ppolicy-less servers send none).
 */
export function bindFailureReason(code: number, message: string): ReasonCode {
  if (SERVER_SIDE_CODES.has(code)) return Reasons.DIRECTORY_UNAVAILABLE;
  if (code !== LDAP_INVALID_CREDENTIALS) return Reasons.BAD_PASSWORD;
  const sub = adSubCode(message);
  return (sub !== undefined ? AD_SUB_CODES[sub] : undefined) ?? Reasons.BAD_PASSWORD;
}
