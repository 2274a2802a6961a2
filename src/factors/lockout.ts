import type { LockoutPort } from '../pipeline/ports.js';
import type { Clock } from '../shared/clock.js';
import type { LockoutRepo } from '../store/lockout-repo.js';

export interface LockoutOptions {
  /** Failures within the window that lock the identity (default 5). */
  readonly maxFailures: number;
  /** The sliding window in seconds (default 300). */
  readonly windowSec: number;
  /** How long a lock lasts in seconds (default 900). */
  readonly lockSec: number;
}

export const DEFAULT_LOCKOUT: LockoutOptions = { maxFailures: 5, windowSec: 300, lockSec: 900 };

export interface LockoutDeps {
  readonly repo: LockoutRepo;
  readonly clock: Clock;
  readonly options: LockoutOptions;
  /** Called once when a lock is set (the composition root logs it); `until` is Clock ms. */
  readonly onLocked?: (identityId: string, until: number) => void;
}

export interface LockStatus {
  readonly locked: boolean;
  /** Clock ms at which the lock ends. */
  readonly until?: number;
}

/**
 * Locks an identity after `maxFailures` failures within `windowSec`, for `lockSec`. State lives in
 * the DB (LockoutRepo), so the CLI, another process, lists and clears the same locks.
 * While locked the pipeline should reject without checking credentials; failures registered
 * during a lock do not extend it, so an attacker cannot keep a user locked beyond one period
 * per `maxFailures` attempts after each expiry.
 */
export class LockoutPolicy implements LockoutPort {
  constructor(private readonly deps: LockoutDeps) {}

  status(identityId: string): LockStatus {
    const lock = this.deps.repo.getLock(identityId);
    if (lock && lock.until > this.deps.clock.now()) return { locked: true, until: lock.until };
    return { locked: false };
  }

  registerFailure(identityId: string): LockStatus {
    const current = this.status(identityId);
    if (current.locked) return current;
    const { maxFailures, windowSec, lockSec } = this.deps.options;
    const now = this.deps.clock.now();
    const failures = this.deps.repo.recordFailure(identityId, now, now - windowSec * 1000);
    if (failures < maxFailures) return { locked: false };
    const until = now + lockSec * 1000;
    this.deps.repo.lock(identityId, now, until, failures);
    this.deps.onLocked?.(identityId, until);
    return { locked: true, until };
  }

  /** A successful login forgets the failures; a lock in force stays (only expiry or unlock ends it). */
  registerSuccess(identityId: string): void {
    this.deps.repo.clearFailures(identityId);
  }

  /** Admin unlock: clears the lock and the failure history. */
  unlock(identityId: string): void {
    this.deps.repo.clear(identityId);
  }

  listLocked(): Array<{ identityId: string; until: number; failures: number }> {
    return this.deps.repo
      .listLocked(this.deps.clock.now())
      .map((l) => ({ identityId: l.identityId, until: l.until, failures: l.failures }));
  }
}
