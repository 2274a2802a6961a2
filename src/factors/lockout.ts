import type { AttemptSlot, LockedOut, LockoutPort } from '../pipeline/ports.js';
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
  /** In-flight counts to carry over from the policy this one replaces (a reload). */
  readonly inFlight?: Map<string, number>;
}

export interface LockStatus {
  readonly locked: boolean;
  /** Clock ms at which the lock ends. */
  readonly until?: number;
}

/**
 * Locks an identity after `maxFailures` failures within `windowSec`, for `lockSec`. State lives in
 * the DB (LockoutRepo), so the CLI, another process, lists and clears the same locks.
 * While locked the pipeline rejects without checking credentials; failures registered
 * during a lock do not extend it, so an attacker cannot keep a user locked beyond one period
 * per `maxFailures` attempts after each expiry.
 *
 * `acquire` also counts the checks still in flight (issue 9): with 5 allowed failures, 300
 * simultaneous wrong passwords get 5 checks, exactly as 300 sent one after the other do; the rest
 * are refused without a bind or a hash. The in-flight count is this process's (a shared
 * implementation for several nodes keeps it in Redis).
 */
export class LockoutPolicy implements LockoutPort {
  private readonly inFlight: Map<string, number>;

  constructor(private readonly deps: LockoutDeps) {
    this.inFlight = deps.inFlight ?? new Map();
  }

  /** Shared with the policy that replaces this one on a reload. */
  get inFlightCounts(): Map<string, number> {
    return this.inFlight;
  }

  status(identityId: string): LockStatus {
    const lock = this.deps.repo.getLock(identityId);
    if (lock && lock.until > this.deps.clock.now()) return { locked: true, until: lock.until };
    return { locked: false };
  }

  async acquire(identityId: string): Promise<AttemptSlot | LockedOut> {
    const lock = this.status(identityId);
    if (lock.locked) return { kind: 'locked', until: lock.until };
    const { maxFailures, windowSec } = this.deps.options;
    const busy = this.inFlight.get(identityId) ?? 0;
    const since = this.deps.clock.now() - windowSec * 1000;
    // Failures first from memory: nearly every login has none (lockout-index.ts).
    if (busy >= maxFailures || busy + this.deps.repo.failuresSince(identityId, since) >= maxFailures)
      return { kind: 'locked' };
    this.inFlight.set(identityId, busy + 1);
    let released = false;
    return {
      kind: 'slot',
      release: () => {
        if (released) return;
        released = true;
        const n = (this.inFlight.get(identityId) ?? 1) - 1;
        if (n <= 0) this.inFlight.delete(identityId);
        else this.inFlight.set(identityId, n);
      },
    };
  }

  async recordFailure(identityId: string): Promise<void> {
    this.registerFailure(identityId);
  }

  async recordSuccess(identityId: string): Promise<void> {
    this.registerSuccess(identityId);
  }

  /** Checks still in flight for an identity (status page, tests). */
  inFlightFor(identityId: string): number {
    return this.inFlight.get(identityId) ?? 0;
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
