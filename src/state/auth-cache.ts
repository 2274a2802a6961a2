import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, Rng } from '../shared/clock.js';

/** Which session a remembered login belongs to. */
export interface AuthCacheKey {
  readonly client: string;
  readonly identityId: string;
  /** Calling-Station-Id, when the gateway sends one: the same device, not just the same user. */
  readonly callingStationId?: string;
}

/** A salted digest of the password of one login, made before the login finished (kept with a State). */
export type AuthCacheToken = string;

/**
 * The auth-result cache (issue 10): for gateways that re-authenticate a live session with the
 * password they cached (NetScaler), a full MFA login is remembered for the client's
 * `auth_cache_sec`; the same user, client, device and password then pass without a second factor.
 * Only a salted digest of the password is kept. A failure, a lockout or an admin change forgets it.
 */
export interface AuthCachePort {
  /** The digest of this password, to carry until the login's second factor passed. */
  token(password: Buffer): AuthCacheToken;
  remember(key: AuthCacheKey, token: AuthCacheToken, ttlMs: number): Promise<void>;
  matches(key: AuthCacheKey, password: Buffer): Promise<boolean>;
  forget(identityId: string): Promise<void>;
}

interface Entry {
  readonly identityId: string;
  readonly salt: Buffer;
  readonly digest: Buffer;
  readonly expiresAt: number;
}

const keyOf = (k: AuthCacheKey): string => JSON.stringify([k.client, k.identityId, k.callingStationId ?? '']);

/** In this process's memory, bounded; `generation` changing (an admin wrote the store) empties it. */
export class MemoryAuthCache implements AuthCachePort {
  private readonly entries = new Map<string, Entry>();
  private seen: number;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly generation: () => number = () => 0,
    private readonly maxEntries = 50_000,
  ) {
    this.seen = generation();
  }

  get size(): number {
    return this.entries.size;
  }

  token(password: Buffer): AuthCacheToken {
    const salt = this.rng.bytes(16);
    return `${salt.toString('base64')}.${digest(salt, password).toString('base64')}`;
  }

  async remember(key: AuthCacheKey, token: AuthCacheToken, ttlMs: number): Promise<void> {
    this.sync();
    const [salt, d] = token.split('.');
    if (!salt || !d || ttlMs <= 0) return;
    const k = keyOf(key);
    this.entries.delete(k);
    // Map order is insertion order: the first entry is the oldest.
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(k, {
      identityId: key.identityId,
      salt: Buffer.from(salt, 'base64'),
      digest: Buffer.from(d, 'base64'),
      expiresAt: this.clock.now() + ttlMs,
    });
  }

  async matches(key: AuthCacheKey, password: Buffer): Promise<boolean> {
    this.sync();
    const k = keyOf(key);
    const e = this.entries.get(k);
    if (!e) return false;
    if (e.expiresAt <= this.clock.now()) {
      this.entries.delete(k);
      return false;
    }
    const got = digest(e.salt, password);
    return got.length === e.digest.length && timingSafeEqual(got, e.digest);
  }

  async forget(identityId: string): Promise<void> {
    for (const [k, e] of this.entries) if (e.identityId === identityId) this.entries.delete(k);
  }

  /** Another process (the CLI: an unlock, a reset, a removed token) wrote the store: forget everything. */
  private sync(): void {
    const g = this.generation();
    if (g === this.seen) return;
    this.seen = g;
    this.entries.clear();
  }
}

function digest(salt: Buffer, password: Buffer): Buffer {
  return createHmac('sha256', salt).update(password).digest();
}
