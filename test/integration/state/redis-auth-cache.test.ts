import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { type AuthCachePort, MemoryAuthCache } from '../../../src/state/auth-cache.js';
import { RedisAuthCache } from '../../../src/state/redis/redis-auth-cache.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
const key = { client: 'ns', identityId: 'alice', callingStationId: '10.0.0.1' };
let n = 0;
const rng = { bytes: (k: number) => Buffer.alloc(k, ++n) };

interface Pair {
  readonly a: AuthCachePort;
  readonly b: AuthCachePort;
  readonly clock: ManualClock;
  readonly bump: () => void;
}

/** The same table for the memory cache and Redis (remembered at A, asked at B). */
const impls: Array<[string, () => Promise<Pair>]> = [
  [
    'memory',
    async () => {
      const clock = new ManualClock(0);
      let version = 1;
      const c = new MemoryAuthCache(clock, rng, () => version);
      return { a: c, b: c, clock, bump: () => void version++ };
    },
  ],
  [
    'redis',
    async () => {
      const clock = new ManualClock(0);
      let version = 1;
      const { a, b } = await env.nodes(`ac${n++}`);
      return {
        a: new RedisAuthCache(a, clock, rng, () => version),
        b: new RedisAuthCache(b, clock, rng, () => version),
        clock,
        bump: () => void version++,
      };
    },
  ],
];

describe.each(impls)('AuthCachePort (%s)', (_name, make) => {
  it('keeps a salted digest, never the password; matches only the same password, device and client within the ttl', async () => {
    const { a, b, clock } = await make();
    const token = a.token(Buffer.from('pw-1'));
    expect(token).not.toContain('pw-1');
    expect(a.token(Buffer.from('pw-1'))).not.toBe(token);
    await a.remember(key, token, 1000);
    expect(await b.matches(key, Buffer.from('pw-1'))).toBe(true);
    expect(await b.matches(key, Buffer.from('pw-2'))).toBe(false);
    expect(await b.matches({ ...key, callingStationId: '10.0.0.2' }, Buffer.from('pw-1'))).toBe(false);
    expect(await b.matches({ ...key, client: 'vpn' }, Buffer.from('pw-1'))).toBe(false);
    clock.advance(1000);
    expect(await b.matches(key, Buffer.from('pw-1'))).toBe(false);
  });

  it('forget(identity) drops every entry of that person, only theirs; an admin write to the store drops all', async () => {
    const { a, b, bump } = await make();
    await a.remember(key, a.token(Buffer.from('a')), 60_000);
    await a.remember({ ...key, client: 'vpn' }, a.token(Buffer.from('a')), 60_000);
    await a.remember({ ...key, identityId: 'bob' }, a.token(Buffer.from('b')), 60_000);
    await b.forget('alice');
    expect(await a.matches(key, Buffer.from('a'))).toBe(false);
    expect(await a.matches({ ...key, client: 'vpn' }, Buffer.from('a'))).toBe(false);
    expect(await a.matches({ ...key, identityId: 'bob' }, Buffer.from('b'))).toBe(true);
    bump();
    expect(await b.matches({ ...key, identityId: 'bob' }, Buffer.from('b'))).toBe(false);
  });

  it('a malformed token or a ttl of 0 remembers nothing', async () => {
    const { a } = await make();
    await a.remember(key, 'garbage', 60_000);
    await a.remember(key, a.token(Buffer.from('x')), 0);
    expect(await a.matches(key, Buffer.from('x'))).toBe(false);
  });
});

describe('RedisAuthCache', () => {
  it('no password, name or address in Redis; the entry lives its ttl there; one round trip per call', async () => {
    const { a } = await env.nodes(`ac${n++}`);
    const c = new RedisAuthCache(a, new ManualClock(0), rng);
    await c.remember(key, c.token(Buffer.from('S3cret-pw')), 5000);
    const keys = await a.client.keys(`${a.prefix}*`);
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(k).not.toMatch(/alice|10\.0\.0\.1|ns/);
      const type = await a.client.type(k);
      const body = type === 'set' ? (await a.client.smembers(k)).join() : ((await a.client.get(k)) ?? '');
      expect(body).not.toContain('S3cret-pw');
      const ttl = await a.client.pttl(k);
      expect(ttl).toBeGreaterThan(4000);
      expect(ttl).toBeLessThanOrEqual(5000);
    }
    await c.matches(key, Buffer.from('S3cret-pw'));
    await c.forget('alice');
    expect(Object.fromEntries(a.roundTrips.byOp)).toEqual({
      'authcache.remember': 1,
      'authcache.get': 1,
      'authcache.forget': 1,
    });
  });

  it('Redis stopped: matches rejects with MFA_ERR_SHARED_STATE (no login passes on the cache); back again after', async () => {
    const { a } = await env.nodes(`ac${n++}`);
    const c = new RedisAuthCache(a, new ManualClock(0), rng);
    await env.server().kill();
    await expect(c.matches(key, Buffer.from('x'))).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await expect(c.forget('alice')).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await env.server().restart();
    await whenReady(a);
    await c.remember(key, c.token(Buffer.from('x')), 60_000);
    expect(await c.matches(key, Buffer.from('x'))).toBe(true);
  });
});
