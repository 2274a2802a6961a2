import { createHash } from 'node:crypto';
import type { ChallengePort, PendingChallenge, TakeResult } from '../../pipeline/ports.js';
import type { Clock, Rng } from '../../shared/clock.js';
import { verdictOf } from '../challenge-verdict.js';
import { STATE_BYTES } from '../challenge-store.js';
import type { RedisState } from '../redis-client.js';

/**
 * The ChallengePort on Redis: a State issued by one node is answered at another (gateways fail
 * over between their two RADIUS servers mid-login). `SET NX PX` issues, `GETDEL` takes: one round
 * trip each, and a State is consumed once whichever node the answer reaches. Expiry decisions use
 * the injected clock, as the memory store does; Redis's own TTL (+1 s) only bounds memory. The key
 * is a SHA-256 of the State.
 * Redis unreachable: both reject with MFA_ERR_SHARED_STATE (the login is rejected).
 */
export class RedisChallengeStore implements ChallengePort {
  constructor(
    private readonly redis: RedisState,
    private readonly clock: Clock,
    private readonly rng: Rng,
  ) {}

  async issue(
    challenge: Omit<PendingChallenge, 'expiresAt'>,
    ttlMs: number,
  ): Promise<{ state: Buffer; expiresAt: number } | undefined> {
    const state = this.rng.bytes(STATE_BYTES);
    const expiresAt = this.clock.now() + ttlMs;
    const value = encodeChallenge({ ...challenge, expiresAt });
    const set = await this.redis.run('challenge.issue', (r) =>
      r.set(this.keyOf(state), value, 'PX', Math.max(1, Math.ceil(ttlMs)) + 1000, 'NX'),
    );
    // NX refused: that State is pending already (a repeated random value); never overwrite it.
    return set === 'OK' ? { state, expiresAt } : undefined;
  }

  async take(state: Buffer, clientName: string, userName: string): Promise<TakeResult> {
    const raw = await this.redis.run('challenge.take', (r) => r.getdel(this.keyOf(state)));
    if (raw === null) return { kind: 'unknown' };
    const challenge = decodeChallenge(raw);
    if (!challenge) return { kind: 'unknown' };
    return verdictOf(challenge, this.clock.now(), clientName, userName);
  }

  /** A digest of the State, not the State: whoever can list Redis's keys learns no usable State. */
  private keyOf(state: Buffer): string {
    return this.redis.key('ch', createHash('sha256').update(state).digest('base64url'));
  }
}

/** JSON with Buffers (upstream State, octet attributes) kept as `{ "$b64": … }`. */
export function encodeChallenge(c: PendingChallenge): string {
  return JSON.stringify(c, function (this: Record<string, unknown>, k, v) {
    const raw = this[k];
    return Buffer.isBuffer(raw) ? { $b64: raw.toString('base64') } : v;
  });
}

export function decodeChallenge(raw: string): PendingChallenge | undefined {
  try {
    const c = JSON.parse(raw, (_k, v) =>
      v !== null && typeof v === 'object' && typeof v.$b64 === 'string' && Object.keys(v).length === 1
        ? Buffer.from(v.$b64, 'base64')
        : v,
    ) as PendingChallenge;
    // A value another version (or anything else) wrote there is no challenge of ours.
    if (
      typeof c?.clientName !== 'string' ||
      typeof c.userName !== 'string' ||
      typeof c.expiresAt !== 'number'
    )
      return undefined;
    return c;
  } catch {
    return undefined;
  }
}
