import NodeCache from 'node-cache';
import type { ChallengePort, PendingChallenge, TakeResult } from '../pipeline/ports.js';
import type { Clock, Rng } from '../shared/clock.js';
import { verdictOf } from './challenge-verdict.js';

export type { PendingChallenge, TakeResult } from '../pipeline/ports.js';

/** RFC 2865 §5.24 leaves State opaque; ours is random, single use, and bound to client and user. */
export const STATE_BYTES = 18;

/** The embedded ChallengePort: in this process's memory (a shared one for several nodes lives in Redis). */
export class ChallengeStore implements ChallengePort {
  private readonly cache: NodeCache;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    maxPending = 100_000,
  ) {
    // node-cache's own TTL (wall clock) only bounds memory; expiry decisions use the injected clock.
    this.cache = new NodeCache({ stdTTL: 900, checkperiod: 60, useClones: false, maxKeys: maxPending });
  }

  /** Stores a challenge and returns its fresh State, or undefined when the store is full. */
  async issue(
    challenge: Omit<PendingChallenge, 'expiresAt'>,
    ttlMs: number,
  ): Promise<{ state: Buffer; expiresAt: number } | undefined> {
    const state = this.rng.bytes(STATE_BYTES);
    const expiresAt = this.clock.now() + ttlMs;
    try {
      // Its own TTL (+1 s, the clocks may differ): an expired State must not hold a slot for 15 min.
      this.cache.set(state.toString('base64'), { ...challenge, expiresAt }, Math.ceil(ttlMs / 1000) + 1);
    } catch {
      return undefined; // ECACHEFULL: refuse new challenges rather than grow without bound
    }
    return { state, expiresAt };
  }

  /**
   * Consumes a State: it is deleted whatever the outcome, so a State works once only.
   * The answer must come from the same client and for the same user.
   */
  async take(state: Buffer, clientName: string, userName: string): Promise<TakeResult> {
    const key = state.toString('base64');
    const challenge = this.cache.take<PendingChallenge>(key);
    if (!challenge) return { kind: 'unknown' };
    return verdictOf(challenge, this.clock.now(), clientName, userName);
  }

  /** Pending challenges, O(1): node-cache keeps the count (keys() would list every State). */
  get size(): number {
    return this.cache.getStats().keys;
  }

  close(): void {
    this.cache.close();
  }
}
