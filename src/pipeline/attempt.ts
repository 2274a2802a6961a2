import type { AttemptSlot, LockoutPort } from './ports.js';

/**
 * The lockout slots one request holds, released together when its answer is decided: a burst of
 * simultaneous requests counts as attempts from the first byte, not only once they have failed.
 */
export class Attempt {
  private readonly slots = new Map<string, AttemptSlot>();

  constructor(private readonly lockout: LockoutPort) {}

  /** Reserves a check for `identityId` (once per identity per request); false when locked out. */
  async admit(identityId: string): Promise<boolean> {
    if (this.slots.has(identityId)) return true;
    const r = await this.lockout.acquire(identityId);
    if (r.kind === 'locked') return false;
    this.slots.set(identityId, r);
    return true;
  }

  release(): void {
    for (const s of this.slots.values()) s.release();
    this.slots.clear();
  }
}
