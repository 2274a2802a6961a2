import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import {
  type BudgetLimits,
  DAY_MS,
  HOUR_MS,
  SmsBudget,
  type SmsSendAttempt,
} from '../../../src/sms/sms-budget.js';
import { RedisCounterStore } from '../../../src/state/redis/redis-counter-store.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
let n = 0;
const DAY0 = Date.UTC(2026, 11, 1);
const T0 = DAY0 + HOUR_MS;
const WIDE = { hour: 1000, day: 1000 };
const DEFAULTS: BudgetLimits = {
  per_user: { hour: 5, day: 10 },
  per_client: { hour: 60, day: 300 },
  per_country: { hour: 100, day: 500 },
  total: { hour: 100, day: 500 },
};

/** Two nodes' SmsBudgets on one Redis, with one injected clock. */
async function pair(limits: BudgetLimits = DEFAULTS) {
  const { a, b } = await env.nodes(`sms${n++}`);
  const clock = new ManualClock(T0);
  const opts = { limits, allowedCountries: ['DE'] };
  const A = new SmsBudget({ counters: new RedisCounterStore(a), ...opts });
  const B = new SmsBudget({ counters: new RedisCounterStore(b), ...opts });
  const send = (node: SmsBudget, over: Partial<SmsSendAttempt> = {}) =>
    node.tryConsume({ identityId: 'alice', client: 'gw', country: 'DE', now: clock.now(), ...over });
  return { A, B, a, b, clock, send };
}

describe('SmsBudget on the Redis counter store, two nodes', () => {
  it('100 concurrent sends for one user split across both nodes: exactly per_user.hour get through', async () => {
    const { A, B, send } = await pair();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i % 2 ? A : B)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.tripped === 'user_hour')).toHaveLength(95);
  });

  it('100 concurrent sends from 100 users across both: exactly total.hour get through', async () => {
    const { A, B, send } = await pair({
      per_user: WIDE,
      per_client: WIDE,
      per_country: WIDE,
      total: { hour: 37, day: 100 },
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(i % 2 ? A : B, { identityId: `u${i}` })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(37);
  });

  it('all counters or none: a refused send leaves the others untouched', async () => {
    const { A, B, send } = await pair({
      per_user: { hour: 2, day: 10 },
      per_client: WIDE,
      per_country: WIDE,
      total: { hour: 3, day: 10 },
    });
    expect((await send(A)).ok).toBe(true);
    expect((await send(B)).ok).toBe(true);
    for (let i = 0; i < 5; i++)
      expect(await send(i % 2 ? A : B)).toMatchObject({ ok: false, tripped: 'user_hour' });
    expect((await send(B, { identityId: 'bob' })).ok).toBe(true);
    expect(await send(A, { identityId: 'carol' })).toMatchObject({ ok: false, tripped: 'total_hour' });
  });

  it('the hour and the day roll over by the injected clock; counters expire in Redis at the window end', async () => {
    const { A, B, a, clock, send } = await pair();
    for (let i = 0; i < 5; i++) expect((await send(i % 2 ? A : B)).ok).toBe(true);
    expect(await send(A)).toMatchObject({ ok: false, tripped: 'user_hour', retryAt: T0 + HOUR_MS });
    clock.set(T0 + HOUR_MS - 1);
    expect(await send(B)).toMatchObject({ ok: false, tripped: 'user_hour' });
    clock.set(T0 + HOUR_MS);
    for (let i = 0; i < 5; i++) expect((await send(i % 2 ? A : B)).ok).toBe(true);
    clock.advance(HOUR_MS);
    expect(await send(A)).toMatchObject({ ok: false, tripped: 'user_day', retryAt: DAY0 + DAY_MS });
    clock.set(DAY0 + DAY_MS);
    expect((await send(B)).ok).toBe(true);
    // The last send's hour counter was made at the start of its hour: its TTL is that hour.
    const hourKey = `${a.prefix}sms:${JSON.stringify(['user_hour', 'alice', DAY0 + DAY_MS])}`;
    const ttl = await a.client.pttl(hourKey);
    expect(ttl).toBeGreaterThan(HOUR_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(HOUR_MS);
  });

  it('a refund gives one send back, once, whichever node sent', async () => {
    const { A, B, send } = await pair();
    const first = await send(A);
    for (let i = 0; i < 4; i++) await send(B);
    expect(await send(B)).toMatchObject({ ok: false, tripped: 'user_hour' });
    if (!first.ok) throw new Error('expected the first send to pass');
    expect(await A.refund(first.ticket)).toBe(true);
    expect(await A.refund(first.ticket)).toBe(false);
    expect((await send(B)).ok).toBe(true);
    expect(await send(A)).toMatchObject({ ok: false, tripped: 'user_hour' });
  });

  it('one round trip per check and per refund', async () => {
    const { A, a, send } = await pair();
    const r = await send(A);
    if (r.ok) await A.refund(r.ticket);
    expect(Object.fromEntries(a.roundTrips.byOp)).toEqual({ 'sms.budget': 1, 'sms.refund': 1 });
  });

  it('Redis stopped: tryConsume rejects with MFA_ERR_SHARED_STATE, so nothing is sent; counting resumes once Redis is back', async () => {
    const { A, a, send } = await pair();
    await env.server().kill();
    await expect(send(A)).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await env.server().restart();
    await whenReady(a);
    expect((await send(A)).ok).toBe(true);
  });
});
