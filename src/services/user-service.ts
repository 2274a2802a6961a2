import type { Config } from '../config/schema.js';
import type { Clock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { identityKey } from '../shared/identity-key.js';
import type { Store } from '../store/store.js';
import { lockoutPolicy } from './enrolment-service.js';

export interface UserRow {
  readonly name: string;
  /** The effective exemption, as a login sees it: the stored flag or `mfa.exempt_users`. */
  readonly mfaExempt: boolean;
  readonly exemptBy: 'user' | 'config' | undefined;
  readonly tokens: number;
  readonly createdAt: number;
  /** Clock ms until which the user is locked out; undefined when not locked. */
  readonly lockedUntil: number | undefined;
}

/** The local user store as an admin (CLI, later the portal) sees it. */
export class UserService {
  constructor(
    private readonly deps: {
      readonly config: Readonly<Config>;
      readonly store: Store;
      readonly clock: Clock;
    },
  ) {}

  list(): UserRow[] {
    const { config, store, clock } = this.deps;
    // GroupPolicy's rule: exempt_users entries, trimmed and lower-cased, against the identity id.
    const exempt = new Set(config.mfa.exempt_users.map((u) => u.trim().toLowerCase()));
    const lockout = lockoutPolicy(config, store, clock);
    return store.users.list().map((u) => {
      const id = identityKey(u.name);
      const lock = lockout.status(id);
      const exemptBy = u.mfaExempt ? 'user' : exempt.has(id) ? 'config' : undefined;
      return {
        name: u.name,
        mfaExempt: exemptBy !== undefined,
        exemptBy,
        tokens: store.tokens.listFor(id).length,
        createdAt: u.createdAt,
        lockedUntil: lock.locked ? lock.until : undefined,
      };
    });
  }

  /** Removes the user and their enrolments; MFA_ERR_USER_NOT_FOUND for an unknown name. */
  remove(name: string): void {
    const { store } = this.deps;
    const user = store.users.get(name.trim());
    if (!user) throw new AppError(ErrorCodes.USER_NOT_FOUND, `no user named '${name}'`, { name });
    store.users.remove(user.name);
    store.tokens.remove(identityKey(user.name));
    // A phone left behind would reach whoever is added under this name next.
    store.phones.remove(identityKey(user.name));
  }
}
