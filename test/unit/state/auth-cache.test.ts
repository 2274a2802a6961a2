import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { MemoryAuthCache } from '../../../src/state/auth-cache.js';

const key = { client: 'ns', identityId: 'alice', callingStationId: '10.0.0.1' };
let n = 0;
const rng = { bytes: (k: number) => Buffer.alloc(k, ++n) };

describe('MemoryAuthCache', () => {
  it('keeps a salted digest, never the password; matches only the same password within the ttl', async () => {
    const clock = new ManualClock(0);
    const c = new MemoryAuthCache(clock, rng);
    const token = c.token(Buffer.from('pw-1'));
    expect(token).not.toContain('pw-1');
    // Two digests of one password differ (fresh salt each time).
    expect(c.token(Buffer.from('pw-1'))).not.toBe(token);
    await c.remember(key, token, 1000);
    expect(await c.matches(key, Buffer.from('pw-1'))).toBe(true);
    expect(await c.matches(key, Buffer.from('pw-2'))).toBe(false);
    expect(await c.matches({ ...key, callingStationId: '10.0.0.2' }, Buffer.from('pw-1'))).toBe(false);
    clock.advance(1000);
    expect(await c.matches(key, Buffer.from('pw-1'))).toBe(false);
    expect(c.size).toBe(0);
  });

  it('forget(identity) drops every entry of that person; an admin write to the store drops all', async () => {
    const clock = new ManualClock(0);
    let version = 1;
    const c = new MemoryAuthCache(clock, rng, () => version);
    await c.remember(key, c.token(Buffer.from('a')), 60_000);
    await c.remember({ ...key, client: 'vpn' }, c.token(Buffer.from('a')), 60_000);
    await c.remember({ ...key, identityId: 'bob' }, c.token(Buffer.from('b')), 60_000);
    await c.forget('alice');
    expect(c.size).toBe(1);
    version = 2;
    expect(await c.matches({ ...key, identityId: 'bob' }, Buffer.from('b'))).toBe(false);
    expect(c.size).toBe(0);
  });

  it('is bounded: the oldest entry goes first', async () => {
    const c = new MemoryAuthCache(new ManualClock(0), rng, () => 0, 2);
    for (const id of ['a', 'b', 'c'])
      await c.remember({ client: 'x', identityId: id }, c.token(Buffer.from(id)), 60_000);
    expect(c.size).toBe(2);
    expect(await c.matches({ client: 'x', identityId: 'a' }, Buffer.from('a'))).toBe(false);
    expect(await c.matches({ client: 'x', identityId: 'c' }, Buffer.from('c'))).toBe(true);
  });
});
