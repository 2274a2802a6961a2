import type { LockoutOptions } from '../../factors/lockout.js';
import type { AttemptSlot, LockedOut, LockoutPort } from '../../pipeline/ports.js';
import { type Clock, cryptoRng, type Rng } from '../../shared/clock.js';
import { identityKey } from '../../shared/identity-key.js';
import type { LuaScript, RedisState } from '../redis-client.js';

/**
 * The lockout gate on Redis, shared by every node: a password spray split across two nodes stops
 * at `maxFailures` exactly as one node's burst does (issue 9's in-flight rule, issue 13). Per
 * identity, three keys: the lock (its end, PX lockSec), the failures inside the window (a sorted
 * set by time) and the checks in flight (a sorted set of slot ids by when they lapse). Each call
 * is one Lua script, one round trip, so a check and its reservation cannot interleave with
 * another node's.
 *
 * A slot is given back with ZREM (fire and forget: `release` is synchronous in the port); a node
 * that dies holding slots loses them after `slotTtlMs`, so a crash cannot lock a user out for good.
 * Times are the injected clock's (ARGV), as LockoutPolicy uses it; the nodes' clocks must agree
 * (NTP), as they must for TOTP. Redis unreachable: acquire and record* reject with
 * MFA_ERR_SHARED_STATE (the login is rejected; nothing is counted).
 */

const ACQUIRE: LuaScript = {
  name: 'mfaLockoutAcquire',
  keys: 3,
  // KEYS: lock, failures, busy. ARGV: now, windowMs, maxFailures, slotId, slotTtlMs.
  lua: `
local now = tonumber(ARGV[1])
local untilMs = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > now then return {0, untilMs} end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {0, 0} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return {1, 0}`,
};

const FAILURE: LuaScript = {
  name: 'mfaLockoutFailure',
  keys: 2,
  // KEYS: lock, failures. ARGV: now, windowMs, maxFailures, lockMs, member. Returns {locked, until, new}.
  lua: `
local now = tonumber(ARGV[1])
local untilMs = tonumber(redis.call('GET', KEYS[1]) or '0')
-- A failure during a lock neither extends it nor counts (LockoutPolicy.registerFailure).
if untilMs > now then return {1, untilMs, 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[3]) then return {0, 0, 0} end
untilMs = now + tonumber(ARGV[4])
redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[4])
return {1, untilMs, 1}`,
};

export interface RedisLockoutDeps {
  readonly redis: RedisState;
  readonly clock: Clock;
  readonly options: LockoutOptions;
  /** How long a slot held by a node that died stays counted (default 60 s: above any nas_timeout). */
  readonly slotTtlMs?: number;
  /** Called once, on the node whose failure set the lock. */
  readonly onLocked?: (identityId: string, until: number) => void;
  readonly rng?: Rng;
}

export class RedisLockout implements LockoutPort {
  private readonly releases = new Set<Promise<unknown>>();
  private readonly slotTtlMs: number;
  private readonly rng: Rng;

  constructor(private readonly deps: RedisLockoutDeps) {
    this.slotTtlMs = deps.slotTtlMs ?? 60_000;
    this.rng = deps.rng ?? cryptoRng;
  }

  async acquire(identityId: string): Promise<AttemptSlot | LockedOut> {
    const id = identityKey(identityId);
    const { windowSec, maxFailures } = this.deps.options;
    const slotId = this.rng.bytes(9).toString('base64');
    const busy = this.key('busy', id);
    const [ok, until] = (await this.deps.redis.script(
      'lockout.acquire',
      ACQUIRE,
      [this.key('lock', id), this.key('fail', id), busy],
      [this.deps.clock.now(), windowSec * 1000, maxFailures, slotId, this.slotTtlMs],
    )) as [number, number];
    if (ok !== 1) return until > 0 ? { kind: 'locked', until } : { kind: 'locked' };
    let released = false;
    return {
      kind: 'slot',
      release: () => {
        if (released) return;
        released = true;
        const p = this.deps.redis
          .run('lockout.release', (r) => r.zrem(busy, slotId))
          // Lost with Redis: the slot lapses after slotTtlMs by itself.
          .catch(() => undefined)
          .finally(() => this.releases.delete(p));
        this.releases.add(p);
      },
    };
  }

  async recordFailure(identityId: string): Promise<void> {
    const id = identityKey(identityId);
    const { windowSec, maxFailures, lockSec } = this.deps.options;
    const [, until, fresh] = (await this.deps.redis.script(
      'lockout.failure',
      FAILURE,
      [this.key('lock', id), this.key('fail', id)],
      [
        this.deps.clock.now(),
        windowSec * 1000,
        maxFailures,
        lockSec * 1000,
        this.rng.bytes(9).toString('base64'),
      ],
    )) as [number, number, number];
    if (fresh === 1) this.deps.onLocked?.(identityId, until);
  }

  /** A success forgets the failures; a lock in force stays. */
  async recordSuccess(identityId: string): Promise<void> {
    const id = identityKey(identityId);
    await this.deps.redis.run('lockout.success', (r) => r.del(this.key('fail', id)));
  }

  /** The lock in force, if any (status page, CLI). */
  async status(identityId: string): Promise<{ locked: boolean; until?: number }> {
    const id = identityKey(identityId);
    const v = await this.deps.redis.run('lockout.status', (r) => r.get(this.key('lock', id)));
    const until = v === null ? 0 : Number(v);
    return until > this.deps.clock.now() ? { locked: true, until } : { locked: false };
  }

  /** Admin unlock: the lock and the failures. */
  async unlock(identityId: string): Promise<void> {
    const id = identityKey(identityId);
    await this.deps.redis.run('lockout.unlock', (r) => r.del(this.key('lock', id), this.key('fail', id)));
  }

  /** Resolves once every release sent so far has reached Redis (tests; a clean shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.releases]);
  }

  private key(kind: string, id: string): string {
    return this.deps.redis.key('lockout', kind, id);
  }
}
