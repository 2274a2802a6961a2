import NodeCache from 'node-cache';
import type { ReplyAttribute } from '../pipeline/types.js';
import type { Clock, Rng } from '../shared/clock.js';

/** What a pending Access-Challenge remembers until the gateway sends the answer. */
export interface PendingChallenge {
  readonly clientName: string;
  /** The User-Name as the gateway sent it, compared case-insensitively on the answer. */
  readonly userName: string;
  readonly identityId: string;
  readonly correlationId: string;
  readonly expiresAt: number;
  /** Attributes earned by the primary check (directory policy, upstream Accept), returned on the final Accept. */
  readonly attributes: readonly ReplyAttribute[];
  /** 'totp': we asked for the code. 'upstream': the upstream server asked its own question. */
  readonly kind: 'totp' | 'upstream';
  readonly upstreamState?: Buffer;
}

export type TakeResult =
  | { readonly kind: 'ok'; readonly challenge: PendingChallenge }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired'; readonly challenge: PendingChallenge }
  | { readonly kind: 'mismatch'; readonly challenge: PendingChallenge };

/** RFC 2865 §5.24 leaves State opaque; ours is random, single use, and bound to client and user. */
export const STATE_BYTES = 18;

export class ChallengeStore {
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
  issue(
    challenge: Omit<PendingChallenge, 'expiresAt'>,
    ttlMs: number,
  ): { state: Buffer; expiresAt: number } | undefined {
    const state = this.rng.bytes(STATE_BYTES);
    const expiresAt = this.clock.now() + ttlMs;
    try {
      this.cache.set(state.toString('base64'), { ...challenge, expiresAt });
    } catch {
      return undefined; // ECACHEFULL: refuse new challenges rather than grow without bound
    }
    return { state, expiresAt };
  }

  /**
   * Consumes a State: it is deleted whatever the outcome, so a State works once only.
   * The answer must come from the same client and for the same user.
   */
  take(state: Buffer, clientName: string, userName: string): TakeResult {
    const key = state.toString('base64');
    const challenge = this.cache.take<PendingChallenge>(key);
    if (!challenge) return { kind: 'unknown' };
    if (challenge.expiresAt <= this.clock.now()) return { kind: 'expired', challenge };
    if (challenge.clientName !== clientName || challenge.userName.toLowerCase() !== userName.toLowerCase()) {
      return { kind: 'mismatch', challenge };
    }
    return { kind: 'ok', challenge };
  }

  get size(): number {
    return this.cache.keys().length;
  }

  close(): void {
    this.cache.close();
  }
}
