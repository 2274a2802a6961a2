import type { Identity, ReplyAttribute } from './types.js';

/** The second factor as the pipeline sees it (src/factors/totp.ts implements it with otplib). */
export type FactorResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'bad_code' }
  | { readonly kind: 'replayed' }
  | { readonly kind: 'not_enrolled' };

export interface SecondFactorPort {
  isEnrolled(identityId: string): boolean;
  /** Verifies and consumes the code: a code is accepted once only. */
  verify(identityId: string, code: string): Promise<FactorResult>;
  /** Verifies without consuming (auto mode decides whether trailing digits are a code before the bind). */
  check(identityId: string, code: string): Promise<FactorResult>;
}

export interface LockoutPort {
  status(identityId: string): { readonly locked: boolean; readonly until?: number };
  registerFailure(identityId: string): { readonly locked: boolean; readonly until?: number };
  registerSuccess(identityId: string): void;
}

/** What the policy says about an identity that passed the primary check. */
export interface PolicyOutcome {
  readonly allowed: boolean;
  readonly rule: string;
  readonly mfa: 'required' | 'exempt';
  readonly unenrolled: 'reject' | 'allow' | 'enroll';
  readonly reply: readonly ReplyAttribute[];
}

export interface PolicyPort {
  evaluate(identity: Identity): PolicyOutcome;
}
