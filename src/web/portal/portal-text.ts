import { Reasons } from '../../pipeline/reasons.js';
import type { PortalRefusal } from '../../services/portal-sign-in.js';

/**
 * What a user is told when the portal refuses: enough to act on, never which part of a wrong
 * sign-in was wrong (an unknown name reads like a wrong password).
 */
const TEXT: Readonly<Record<string, string>> = {
  [Reasons.BAD_PASSWORD]: 'The user name or password is not right.',
  [Reasons.NO_SUCH_USER]: 'The user name or password is not right.',
  [Reasons.MISSING_PASSWORD]: 'Enter your user name and password.',
  [Reasons.USER_LOCKED_OUT]:
    'Too many failed attempts: this account is locked for a while (for the VPN as well). Try again later, or ask your administrator.',
  [Reasons.ACCOUNT_LOCKED]: 'This account is locked in the directory. Ask your administrator.',
  [Reasons.ACCOUNT_DISABLED]: 'This account is disabled. Ask your administrator.',
  [Reasons.ACCOUNT_EXPIRED]: 'This account has expired. Ask your administrator.',
  [Reasons.PASSWORD_EXPIRED]: 'Your password has expired: change it first, then come back.',
  [Reasons.PASSWORD_MUST_CHANGE]: 'You must change your password first, then come back.',
  [Reasons.NOT_IN_ALLOWED_GROUP]: 'This account may not use the VPN, so it has nothing to enrol here.',
  [Reasons.DIRECTORY_UNAVAILABLE]: 'The directory could not be reached. Try again in a minute.',
  [Reasons.UPSTREAM_TIMEOUT]: 'The password server did not answer. Try again in a minute.',
  [Reasons.UPSTREAM_CHALLENGE]:
    'Your password server asks a further question that this page cannot show. Ask your administrator for an enrolment link.',
  [Reasons.BAD_CODE]: 'That code is not right. Enter the current code.',
  [Reasons.CODE_REPLAYED]: 'That code was used already. Wait for the next one.',
  [Reasons.CODE_EXPIRED]: 'That code has expired. Sign in again for a new one.',
  [Reasons.SMS_BUDGET_EXCEEDED]: 'No more text messages can be sent right now. Try again later.',
  [Reasons.SMS_SEND_FAILED]: 'The text message could not be sent. Try again later.',
  no_method:
    'Your password is right, but you have no sign-in method yet. Log in to the VPN once: that opens enrolment here for a while. Or ask your administrator for an enrolment link.',
  has_methods: 'You already have a sign-in method: sign in with your password and code instead.',
  link_unknown: 'This enrolment link is not valid. Ask your administrator for a new one.',
  link_used: 'This enrolment link has been used already. Ask your administrator for a new one.',
  link_expired: 'This enrolment link has expired. Ask your administrator for a new one.',
  link_revoked: 'This enrolment link was withdrawn. Ask your administrator for a new one.',
};

export function refusalText(reason: string | PortalRefusal): string {
  return TEXT[reason] ?? 'Sign-in failed. Try again, or ask your administrator.';
}
