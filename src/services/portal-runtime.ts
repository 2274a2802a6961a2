import type { SmsFactor } from '../factors/sms-factor.js';
import type { TotpFactor } from '../factors/totp.js';
import type { LockoutPort, PolicyPort } from '../pipeline/ports.js';
import type { PrimaryAuthenticator } from '../pipeline/types.js';
import type { AuthCachePort } from '../state/auth-cache.js';

/**
 * What the portal shares with the RADIUS path, read at each use: the same directory (primary
 * check), the same lockout gate, policy and factors. A reload swaps them for both at once.
 */
export interface PortalRuntime {
  readonly primary: PrimaryAuthenticator;
  readonly lockout: LockoutPort;
  readonly policy: PolicyPort;
  readonly totp: TotpFactor;
  readonly sms: SmsFactor | undefined;
  /** RADIUS's remembered logins: a failure here forgets them, as a failure over RADIUS does. */
  readonly authCache?: AuthCachePort;
}

/** Log lines of the portal (never a password, code, secret or full number). */
export interface PortalLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The client name SMS budgets and logs use for codes the portal sends. */
export const PORTAL_CLIENT = 'portal';
