import { matchTotpCode } from '../../factors/totp.js';
import type { Clock } from '../../shared/clock.js';
import type { AdminRepo } from '../../store/admin-repo.js';
import { dummyVerify, verifyPassword } from '../../store/password-hash.js';
import type { AdminLockout } from './admin-lockout.js';

/**
 * The admin sign-in as a state machine, without HTTP: a password, then a TOTP code (required), then
 * signed in. Two kinds of admin: an account of the store (`admin add`), or a directory user in one
 * of `admin.groups` with their directory password and their own TOTP enrolment. Every failure is
 * counted by the admin name in AdminLockout; a locked name is refused before any check.
 */

/** Where a sign-in stands, kept in the admin's web session. */
export type SignInState =
  | { readonly stage: 'anonymous' }
  | {
      readonly stage: 'password_ok';
      readonly name: string;
      readonly via: 'account' | 'directory';
      /** The directory identity whose TOTP enrolment answers the code (directory admins). */
      readonly identityId?: string;
      /** Clock ms: the code must follow within CODE_WINDOW_MS. */
      readonly at: number;
    }
  | {
      readonly stage: 'signed_in';
      readonly name: string;
      readonly via: 'account' | 'directory';
      readonly at: number;
    };

export const CODE_WINDOW_MS = 5 * 60_000;

export type SignInFailure = 'bad_credentials' | 'bad_code' | 'locked' | 'expired' | 'wrong_stage';

export type StepResult =
  | { readonly ok: true; readonly state: SignInState }
  | {
      readonly ok: false;
      readonly reason: SignInFailure;
      readonly lockedUntil?: number;
      readonly lockedNow?: boolean;
    };

/** A directory admin: the directory's own password check and group membership, then their TOTP. */
export interface DirectoryAdmins {
  /** The identity when the password is right and the user is in one of admin.groups; else undefined. */
  check(name: string, password: Buffer): Promise<{ identityId: string } | undefined>;
  /** Verifies (and consumes) a code of the identity's TOTP enrolment. */
  verifyCode(identityId: string, code: string): Promise<boolean>;
}

export interface SignInDeps {
  readonly admins: AdminRepo;
  readonly lockout: AdminLockout;
  readonly clock: Clock;
  /** TOTP drift accepted, in steps on each side (totp.window). */
  readonly window: number;
  readonly directory?: DirectoryAdmins;
}

export class AdminSignIn {
  constructor(private readonly deps: SignInDeps) {}

  async password(state: SignInState, name: string, password: Buffer): Promise<StepResult> {
    if (state.stage === 'signed_in') return { ok: false, reason: 'wrong_stage' };
    const typed = name.trim();
    const locked = this.deps.lockout.lockedUntil(typed);
    if (locked !== undefined) return { ok: false, reason: 'locked', lockedUntil: locked };
    const now = this.deps.clock.now();
    const account = typed === '' ? undefined : this.deps.admins.credentials(typed);
    if (account) {
      if (await verifyPassword(password, account.passwordHash))
        return { ok: true, state: { stage: 'password_ok', name: account.name, via: 'account', at: now } };
      return this.failed(typed, 'bad_credentials');
    }
    const dir = typed === '' ? undefined : await this.deps.directory?.check(typed, password);
    if (dir) {
      return {
        ok: true,
        state: { stage: 'password_ok', name: typed, via: 'directory', identityId: dir.identityId, at: now },
      };
    }
    // No such admin: the same scrypt work as a real check, so timing does not tell names apart.
    if (!this.deps.directory) await dummyVerify(password);
    return this.failed(typed, 'bad_credentials');
  }

  async code(state: SignInState, code: string): Promise<StepResult> {
    if (state.stage !== 'password_ok') return { ok: false, reason: 'wrong_stage' };
    const locked = this.deps.lockout.lockedUntil(state.name);
    if (locked !== undefined) return { ok: false, reason: 'locked', lockedUntil: locked };
    const now = this.deps.clock.now();
    if (now - state.at > CODE_WINDOW_MS) return { ok: false, reason: 'expired' };
    const good = await this.checkCode(state, code.trim(), now);
    if (!good) return this.failed(state.name, 'bad_code');
    this.deps.lockout.succeed(state.name);
    return { ok: true, state: { stage: 'signed_in', name: state.name, via: state.via, at: now } };
  }

  private async checkCode(
    state: Extract<SignInState, { stage: 'password_ok' }>,
    code: string,
    now: number,
  ): Promise<boolean> {
    if (state.via === 'directory') {
      if (!this.deps.directory || state.identityId === undefined) return false;
      return this.deps.directory.verifyCode(state.identityId, code);
    }
    const account = this.deps.admins.credentials(state.name);
    if (!account) return false;
    const step = await matchTotpCode(account.totpSecret, code, {
      epochSec: Math.floor(now / 1000),
      window: this.deps.window,
      afterStep: account.lastStep,
    });
    // The atomic claim is the replay guard (RFC 6238 §5.2): a code signs in once.
    return step !== undefined && this.deps.admins.claimStep(account.id, step);
  }

  private failed(name: string, reason: SignInFailure): StepResult {
    const until = this.deps.lockout.fail(name);
    return until === undefined
      ? { ok: false, reason }
      : { ok: false, reason, lockedUntil: until, lockedNow: true };
  }
}
