import type { AttemptSlot, LockoutPort } from './ports.js';

/**
 * The lockout slots one request holds, released together when its answer is decided: a burst of
 * simultaneous requests counts as attempts from the first byte, not only once they have failed.
 */
export class Attempt {
  // Nearly every request gates one identity: the first slot in fields, a map only for aliases.
  private firstId: string | undefined;
  private first: AttemptSlot | undefined;
  private more: Map<string, AttemptSlot> | undefined;

  constructor(private readonly lockout: LockoutPort) {}

  /** Reserves a check for `identityId` (once per identity per request); false when locked out. */
  async admit(identityId: string): Promise<boolean> {
    if (this.firstId === identityId || this.more?.has(identityId)) return true;
    const r = await this.lockout.acquire(identityId);
    if (r.kind === 'locked') return false;
    if (this.first === undefined) {
      this.firstId = identityId;
      this.first = r;
    } else {
      this.more ??= new Map();
      this.more.set(identityId, r);
    }
    return true;
  }

  release(): void {
    this.first?.release();
    this.first = undefined;
    this.firstId = undefined;
    if (this.more) for (const s of this.more.values()) s.release();
    this.more = undefined;
  }
}
