import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock, Rng } from '../../shared/clock.js';
import type { AuthCacheKey, AuthCachePort, AuthCacheToken } from '../auth-cache.js';
import type { LuaScript, RedisState } from '../redis-client.js';

/**
 * The auth-result cache on Redis (issue 10, shared by every node: a NetScaler re-authentication
 * that fails over to node B still passes without a second factor). As MemoryAuthCache: only a
 * salted HMAC of the password is kept, matched in constant time, expiry by the injected clock (the
 * Redis TTL only bounds memory), and `forget` drops every entry of the identity (one Lua script
 * over a per-identity index set). Keys are a SHA-256 of client, identity and device, so no name
 * or address appears in a key.
 *
 * `generation` (the store's data version: an admin wrote it) is part of every key: a change makes
 * the older entries unreachable at once, and Redis drops them at their TTL. Each node reads its
 * own store's generation, so a change seen by one node only costs the others a cache miss.
 * Redis unreachable: every call rejects with MFA_ERR_SHARED_STATE (no login passes on the cache).
 */

const REMEMBER: LuaScript = {
  name: 'mfaAuthCacheRemember',
  keys: 2,
  // KEYS: the entry, the identity's index. ARGV: value, ttlMs.
  lua: `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`,
};

const FORGET: LuaScript = {
  name: 'mfaAuthCacheForget',
  keys: 1,
  lua: `
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', k) end
return redis.call('DEL', KEYS[1])`,
};

export class RedisAuthCache implements AuthCachePort {
  constructor(
    private readonly redis: RedisState,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly generation: () => number = () => 0,
  ) {}

  token(password: Buffer): AuthCacheToken {
    const salt = this.rng.bytes(16);
    return `${salt.toString('base64')}.${digest(salt, password).toString('base64')}`;
  }

  async remember(key: AuthCacheKey, token: AuthCacheToken, ttlMs: number): Promise<void> {
    const [salt, d] = token.split('.');
    if (!salt || !d || ttlMs <= 0) return;
    const ms = Math.ceil(ttlMs);
    const value = `${salt}.${d}.${this.clock.now() + ms}`;
    await this.redis.script(
      'authcache.remember',
      REMEMBER,
      [this.keyOf(key), this.indexOf(key.identityId)],
      [value, ms],
    );
  }

  async matches(key: AuthCacheKey, password: Buffer): Promise<boolean> {
    const raw = await this.redis.run('authcache.get', (r) => r.get(this.keyOf(key)));
    if (raw === null) return false;
    const [salt, d, expires] = raw.split('.');
    if (!salt || !d || !(Number(expires) > this.clock.now())) return false;
    const want = Buffer.from(d, 'base64');
    const got = digest(Buffer.from(salt, 'base64'), password);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  async forget(identityId: string): Promise<void> {
    await this.redis.script('authcache.forget', FORGET, [this.indexOf(identityId)], []);
  }

  private keyOf(k: AuthCacheKey): string {
    const id = createHash('sha256')
      .update(JSON.stringify([k.client, k.identityId, k.callingStationId ?? '']))
      .digest('base64url');
    return this.redis.key('authcache', String(this.generation()), id);
  }

  private indexOf(identityId: string): string {
    return this.redis.key('authcache-id', createHash('sha256').update(identityId).digest('base64url'));
  }
}

function digest(salt: Buffer, password: Buffer): Buffer {
  return createHmac('sha256', salt).update(password).digest();
}
