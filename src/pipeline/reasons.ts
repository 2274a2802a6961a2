/**
 * Reason codes: why a decision was taken. They go to the audit log and metrics, never to the gateway,
 * which only sees a generic Reply-Message. Stable strings: admins grep and alert on them.
 */
export const Reasons = {
  // accept
  MFA_OK: 'mfa_ok',
  MFA_EXEMPT: 'mfa_exempt',
  UNENROLLED_ALLOWED: 'unenrolled_allowed',
  SECOND_FACTOR_ONLY_OK: 'second_factor_only_ok',
  // challenge
  CHALLENGE_ISSUED: 'challenge_issued',
  UPSTREAM_CHALLENGE: 'upstream_challenge',
  // reject: primary
  BAD_PASSWORD: 'bad_password',
  NO_SUCH_USER: 'no_such_user',
  MISSING_PASSWORD: 'missing_password',
  ACCOUNT_DISABLED: 'account_disabled',
  ACCOUNT_LOCKED: 'account_locked',
  ACCOUNT_EXPIRED: 'account_expired',
  PASSWORD_EXPIRED: 'password_expired',
  PASSWORD_MUST_CHANGE: 'password_must_change',
  LOGON_RESTRICTED: 'logon_restricted',
  NOT_IN_ALLOWED_GROUP: 'not_in_allowed_group',
  DIRECTORY_UNAVAILABLE: 'directory_unavailable',
  UPSTREAM_REJECT: 'upstream_reject',
  UPSTREAM_TIMEOUT: 'upstream_timeout',
  // reject: second factor
  BAD_CODE: 'bad_code',
  CODE_REPLAYED: 'code_replayed',
  MISSING_CODE: 'missing_code',
  NOT_ENROLLED: 'not_enrolled',
  USER_LOCKED_OUT: 'user_locked_out',
  STATE_UNKNOWN: 'state_unknown',
  STATE_EXPIRED: 'state_expired',
  STATE_MISMATCH: 'state_mismatch',
  // reject: other
  INTERNAL_ERROR: 'internal_error',
  /** CHAP, MS-CHAP(v2) or EAP: no password the proxy can check; gateways must send PAP. */
  UNSUPPORTED_AUTH_METHOD: 'unsupported_auth_method',
  // reject: upstream RADIUS (appended: codes are stable)
  /** The gateway's request, with our Proxy-State and Message-Authenticator, exceeds 4096 octets. */
  UPSTREAM_REQUEST_TOO_LARGE: 'upstream_request_too_large',
  /** The upstream answered without the Message-Authenticator its require_message_authenticator demands. */
  UPSTREAM_UNSIGNED: 'upstream_unsigned',
  // SMS (issue 10; appended: codes are stable)
  /** An SMS code typed after `sms.code_ttl_sec`. */
  CODE_EXPIRED: 'code_expired',
  /** A toll-fraud budget or the country allow-list refused the SMS; nothing was sent. */
  SMS_BUDGET_EXCEEDED: 'sms_budget_exceeded',
  /** Every SMS provider failed; no code reached the phone. */
  SMS_SEND_FAILED: 'sms_send_failed',
  /** Password verified; the user has methods, but none that this group or client allows. */
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  /** Two-way SMS: no reply within the client's budget, and the client cannot show a challenge. */
  SMS_TIMEOUT: 'sms_timeout',
  /** Password verified; the factor's service was down and the failmode is `safe`. */
  FAILMODE_SAFE: 'failmode_safe',
  /** Password verified; the same login had passed MFA within the client's `auth_cache_sec`. */
  AUTH_CACHE: 'auth_cache',
  // The self-service portal (issue 11; appended: codes are stable)
  /**
   * Password verified; no method enrolled and `unenrolled: enroll`: the Reply-Message names the
   * portal, and an enrolment window opens.
   */
  ENROLMENT_REQUIRED: 'enrolment_required',
} as const;

export type ReasonCode = (typeof Reasons)[keyof typeof Reasons];
