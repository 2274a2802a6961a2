import { describe, expect, it } from 'vitest';
import { ManualClock, ManualTimers, systemTimers } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { MemoryOobWaiter, type OobWaiterPort } from '../../../src/state/oob-waiter.js';
import type { RedisState } from '../../../src/state/redis-client.js';
import { RedisOobWaiter } from '../../../src/state/redis/redis-oob-waiter.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
let n = 0;

interface Pair {
  readonly a: OobWaiterPort<string> & { readonly size: number };
  readonly b: OobWaiterPort<string> & { readonly size: number };
  readonly timers: ManualTimers;
}

/** The same table for the memory waiter (one process) and Redis (waits at A, deliveries at B). */
const impls: Array<[string, (maxWaits?: number) => Promise<Pair>]> = [
  [
    'memory',
    async (maxWaits = 100) => {
      const timers = new ManualTimers(new ManualClock(0));
      const w = new MemoryOobWaiter<string>(timers, { earlyTtlMs: 5000, maxWaits });
      return { a: w, b: w, timers };
    },
  ],
  [
    'redis',
    async (maxWaits = 100) => {
      const timers = new ManualTimers(new ManualClock(0));
      const { a, b } = await env.nodes(`oob${n++}`);
      const o = { earlyTtlMs: 5000, maxWaits };
      return {
        a: new RedisOobWaiter<string>(a, timers, o),
        b: new RedisOobWaiter<string>(b, timers, o),
        timers,
      };
    },
  ],
];

describe.each(impls)('OobWaiterPort (%s)', (_name, make) => {
  it('an answer delivered while waiting releases the wait, and every waiter on the key', async () => {
    const { a, b, timers } = await make();
    const w1 = a.wait('login-1', { timeoutMs: 30_000 });
    const w2 = a.wait('login-1', { timeoutMs: 30_000 });
    expect(a.size).toBe(2);
    expect(await b.deliver('login-1', 'approve')).toBe(true);
    expect(await w1).toEqual({ kind: 'answered', answer: 'approve' });
    expect(await w2).toEqual({ kind: 'answered', answer: 'approve' });
    expect(a.size).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('times out at the deadline by the injected timers, not before; a late answer is kept for a later wait', async () => {
    const { a, b, timers } = await make();
    let done = false;
    const w = a.wait('k', { timeoutMs: 10_000 }).then((r) => {
      done = true;
      return r;
    });
    timers.advance(9_999);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    timers.advance(1);
    expect(await w).toEqual({ kind: 'timeout' });
    expect(await b.deliver('k', 'late')).toBe(true);
    expect(await a.wait('k', { timeoutMs: 1000 })).toEqual({ kind: 'answered', answer: 'late' });
  });

  it('an answer that arrives before the wait is not lost; a second one for the same key is refused', async () => {
    const { a, b } = await make();
    expect(await b.deliver('k', 'first')).toBe(true);
    expect(await b.deliver('k', 'second')).toBe(false);
    expect(await a.wait('k', { timeoutMs: 1000 })).toEqual({ kind: 'answered', answer: 'first' });
  });

  it('a look (timeoutMs 0) takes a kept answer, or ends as a timeout at once', async () => {
    const { a, b } = await make();
    expect(await a.wait('k', { timeoutMs: 0 })).toEqual({ kind: 'timeout' });
    await b.deliver('k', 'yes');
    expect(await a.wait('k', { timeoutMs: 0 })).toEqual({ kind: 'answered', answer: 'yes' });
  });

  it('an abort (drain, reload) ends the wait at once and cleans up', async () => {
    const { a, timers } = await make();
    const ac = new AbortController();
    const w = a.wait('k', { timeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    expect(await w).toEqual({ kind: 'aborted' });
    expect(a.size).toBe(0);
    expect(timers.pending).toBe(0);
    expect(await a.wait('k2', { timeoutMs: 1, signal: ac.signal })).toEqual({ kind: 'aborted' });
  });

  it('is bounded: past maxWaits a wait ends as a timeout at once', async () => {
    const { a } = await make(2);
    void a.wait('a', { timeoutMs: 1000 });
    void a.wait('b', { timeoutMs: 1000 });
    expect(await a.wait('c', { timeoutMs: 1000 })).toEqual({ kind: 'timeout' });
  });
});

/** Resolves once `count` connections listen on the key's channel (the SUBSCRIBE went through). */
async function listening(s: RedisState, key: string, count: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [, got] = (await s.client.pubsub('NUMSUB', `${s.prefix}oob:${key}`)) as [string, number];
    if (got >= count) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`nobody listens on ${key}`);
}

describe('RedisOobWaiter across nodes and outages', () => {
  it('a delivery at B, heard by pub/sub, releases the waits held at A and at B alike; one round trip to deliver', async () => {
    const { a, b } = await env.nodes(`oob${n++}`);
    const wa = new RedisOobWaiter<{ ok: boolean }>(a, systemTimers);
    const wb = new RedisOobWaiter<{ ok: boolean }>(b, systemTimers);
    const atA = wa.wait('push-9', { timeoutMs: 20_000 });
    const atB = wb.wait('push-9', { timeoutMs: 20_000 });
    await listening(a, 'push-9', 2);
    expect(await wb.deliver('push-9', { ok: true })).toBe(true);
    expect(await atA).toEqual({ kind: 'answered', answer: { ok: true } });
    expect(await atB).toEqual({ kind: 'answered', answer: { ok: true } });
    // Heard by a listener, so nothing was kept for later.
    expect(await a.client.exists(`${a.prefix}oob-early:push-9`)).toBe(0);
    expect(b.roundTrips.byOp.get('oob.deliver')).toBe(1);
    expect(a.roundTrips.byOp.get('oob.subscribe')).toBe(1);
    expect(a.roundTrips.byOp.get('oob.take')).toBe(1);
  });

  it('the channel is unsubscribed once its last wait ends (answered, timed out or aborted)', async () => {
    const { a } = await env.nodes(`oob${n++}`);
    const timers = new ManualTimers(new ManualClock(0));
    const w = new RedisOobWaiter<string>(a, timers);
    const ac = new AbortController();
    const one = w.wait('k', { timeoutMs: 1000 });
    const two = w.wait('k', { timeoutMs: 5000, signal: ac.signal });
    await listening(a, 'k', 1);
    timers.advance(1000);
    expect(await one).toEqual({ kind: 'timeout' });
    ac.abort();
    expect(await two).toEqual({ kind: 'aborted' });
    for (let i = 0; i < 400; i++) {
      const [, got] = (await a.client.pubsub('NUMSUB', `${a.prefix}oob:k`)) as [string, number];
      if (got === 0) break;
      await new Promise((r) => setImmediate(r));
    }
    expect(await a.client.pubsub('NUMSUB', `${a.prefix}oob:k`)).toEqual([`${a.prefix}oob:k`, 0]);
    expect(a.roundTrips.byOp.get('oob.subscribe')).toBe(1);
    expect(a.roundTrips.byOp.get('oob.unsubscribe')).toBe(1);
  });

  it('an answer nobody heard is kept in Redis for earlyTtlMs only', async () => {
    const { a } = await env.nodes(`oob${n++}`);
    const w = new RedisOobWaiter<string>(a, systemTimers, { earlyTtlMs: 4000, maxWaits: 10 });
    await w.deliver('k', 'x');
    const ttl = await a.client.pttl(`${a.prefix}oob-early:k`);
    expect(ttl).toBeGreaterThan(3000);
    expect(ttl).toBeLessThanOrEqual(4000);
  });

  it('a wait subscribed at A survives a Redis restart and is released by a delivery at B afterwards', async () => {
    const { a, b } = await env.nodes(`oob${n++}`);
    const wa = new RedisOobWaiter<string>(a, systemTimers);
    const wb = new RedisOobWaiter<string>(b, systemTimers);
    const held = wa.wait('sms-1', { timeoutMs: 20_000 });
    await listening(a, 'sms-1', 1);
    await env.server().kill();
    await expect(wb.deliver('sms-1', 'lost')).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await env.server().restart();
    await Promise.all([whenReady(a), whenReady(b)]);
    await listening(b, 'sms-1', 1); // ioredis subscribed again by itself
    expect(await wb.deliver('sms-1', '123456')).toBe(true);
    expect(await held).toEqual({ kind: 'answered', answer: '123456' });
  });

  it('Redis stopped: a new wait rejects with MFA_ERR_SHARED_STATE and leaves nothing behind; it works once Redis is back', async () => {
    const { a, b } = await env.nodes(`oob${n++}`);
    const timers = new ManualTimers(new ManualClock(0));
    const wa = new RedisOobWaiter<string>(a, timers);
    await env.server().kill();
    await expect(wa.wait('k', { timeoutMs: 10_000 })).rejects.toMatchObject({
      code: ErrorCodes.SHARED_STATE,
    });
    expect(wa.size).toBe(0);
    expect(timers.pending).toBe(0);
    await env.server().restart();
    await Promise.all([whenReady(a), whenReady(b)]);
    const w = wa.wait('k', { timeoutMs: 10_000 });
    await listening(b, 'k', 1);
    await new RedisOobWaiter<string>(b, timers).deliver('k', 'ok');
    expect(await w).toEqual({ kind: 'answered', answer: 'ok' });
  });
});
