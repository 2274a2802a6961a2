import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { type CounterSpec, type CounterStore, MemoryCounterStore } from '../../../src/sms/budget-counters.js';
import { normalisePhoneNumber } from '../../../src/sms/phone-number.js';
import {
  BUDGET_LIMITS,
  type BudgetLimit,
  type BudgetLimits,
  DAY_MS,
  HOUR_MS,
  SmsBudget,
  type SmsSendAttempt,
} from '../../../src/sms/sms-budget.js';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'sms-budget-'));
let dirs = 0;
const stores: Store[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

const openStore = (dir = join(root, `d${dirs++}`)): Store => {
  const s = Store.open(dir, { synchronous: 'NORMAL' });
  stores.push(s);
  return s;
};

/** 2026-12-01 00:00 UTC + 1 h: a day and an hour start, so window edges are easy to reach. */
const DAY0 = Date.UTC(2026, 11, 1);
const T0 = DAY0 + HOUR_MS;

const WIDE = { hour: 1000, day: 1000 };
const limitsWith = (over: Partial<BudgetLimits> = {}): BudgetLimits => ({
  per_user: WIDE,
  per_client: WIDE,
  per_country: WIDE,
  total: WIDE,
  ...over,
});
const DEFAULTS: BudgetLimits = {
  per_user: { hour: 5, day: 10 },
  per_client: { hour: 60, day: 300 },
  per_country: { hour: 100, day: 500 },
  total: { hour: 100, day: 500 },
};

const kinds = [
  ['memory', () => new MemoryCounterStore() as CounterStore],
  ['sqlite', () => openStore().smsBudgets as CounterStore],
] as const;

describe.each(kinds)('SmsBudget on the %s counter store', (_kind, makeCounters) => {
  const setup = (
    limits: BudgetLimits = DEFAULTS,
    allowedCountries: readonly string[] = ['DE', 'AT', 'US', 'CA'],
  ) => {
    const clock = new ManualClock(T0);
    const budget = new SmsBudget({ counters: makeCounters(), limits, allowedCountries });
    const send = (a: Partial<SmsSendAttempt> = {}) =>
      budget.tryConsume({ identityId: 'alice', client: 'vpn-gw', country: 'DE', now: clock.now(), ...a });
    return { clock, budget, send };
  };

  const scopeOf = (limit: BudgetLimit) =>
    limit.slice(0, limit.indexOf('_')) as 'user' | 'client' | 'country' | 'total';
  const configKey = {
    user: 'per_user',
    client: 'per_client',
    country: 'per_country',
    total: 'total',
  } as const;

  it.each(BUDGET_LIMITS)('%s trips at exactly its count and says when to retry', async (limit) => {
    const n = 3;
    const isHour = limit.endsWith('_hour');
    const key = configKey[scopeOf(limit)];
    const { clock, send } = setup(
      limitsWith({ [key]: isHour ? { hour: n, day: 1000 } : { hour: 1000, day: n } }),
    );
    for (let i = 0; i < n; i++) {
      expect((await send()).ok).toBe(true);
      // Day limits: spread over several hours, so it is the day that runs out.
      if (!isHour) clock.advance(HOUR_MS);
    }
    expect(await send()).toEqual({
      ok: false,
      tripped: limit,
      retryAt: isHour ? Math.floor(clock.now() / HOUR_MS + 1) * HOUR_MS : DAY0 + DAY_MS,
    });
    // And stays tripped for the next attempt too.
    expect(await send()).toMatchObject({ ok: false, tripped: limit });
  });

  it.each([
    ['user', { identityId: 'alice' }, { identityId: 'bob' }],
    ['client', { client: 'vpn-gw' }, { client: 'other-gw' }],
    ['country', { country: 'DE' }, { country: 'AT' }],
  ] as const)('%s counters are per %s: another one still has its budget', async (scope, a, b) => {
    const { send } = setup(limitsWith({ [configKey[scope]]: { hour: 2, day: 2 } }));
    // Vary everything else, so only the scope under test is shared.
    let i = 0;
    const other = () => {
      i++;
      const base = { identityId: `u${i}`, client: `gw${i}`, country: i % 2 ? 'US' : 'CA' };
      return { ...base, ...a };
    };
    expect((await send(other())).ok).toBe(true);
    expect((await send(other())).ok).toBe(true);
    expect(await send(other())).toMatchObject({ ok: false, tripped: `${scope}_hour` });
    expect((await send({ identityId: 'zed', client: 'gw-z', country: 'DE', ...b })).ok).toBe(true);
  });

  it('the total counts every user, client and country together', async () => {
    const { send } = setup(limitsWith({ total: { hour: 3, day: 3 } }));
    const attempts = [
      { identityId: 'a', client: 'gw1', country: 'DE' },
      { identityId: 'b', client: 'gw2', country: 'AT' },
      { identityId: 'c', client: 'gw3', country: 'US' },
    ];
    for (const a of attempts) expect((await send(a)).ok).toBe(true);
    expect(await send({ identityId: 'd', client: 'gw4', country: 'CA' })).toMatchObject({
      ok: false,
      tripped: 'total_hour',
    });
  });

  it('names user identities case-insensitively (one budget for Alice and ALICE)', async () => {
    const { send } = setup(limitsWith({ per_user: { hour: 2, day: 2 } }));
    expect((await send({ identityId: 'Alice' })).ok).toBe(true);
    expect((await send({ identityId: 'ALICE' })).ok).toBe(true);
    expect(await send({ identityId: 'alice' })).toMatchObject({ ok: false, tripped: 'user_hour' });
  });

  it('consumes all counters or none: a refused send leaves the others untouched', async () => {
    const { send } = setup(limitsWith({ per_user: { hour: 2, day: 10 }, total: { hour: 3, day: 10 } }));
    expect((await send()).ok).toBe(true);
    expect((await send()).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour' });
    // Had the refused sends counted towards the total, bob would find it spent.
    expect((await send({ identityId: 'bob' })).ok).toBe(true);
    expect(await send({ identityId: 'carol' })).toMatchObject({ ok: false, tripped: 'total_hour' });
  });

  it('reports the first limit reached in order, and the latest window end of all reached', async () => {
    const { send } = setup(limitsWith({ per_user: { hour: 1, day: 1 }, total: { hour: 1, day: 1 } }));
    expect((await send()).ok).toBe(true);
    expect(await send()).toEqual({ ok: false, tripped: 'user_hour', retryAt: DAY0 + DAY_MS });
  });

  it('the hour rolls over at the full hour, with the injected clock', async () => {
    const { clock, send } = setup();
    for (let i = 0; i < 5; i++) expect((await send()).ok).toBe(true);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour', retryAt: T0 + HOUR_MS });
    clock.set(T0 + HOUR_MS - 1);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour' });
    clock.set(T0 + HOUR_MS);
    for (let i = 0; i < 5; i++) expect((await send()).ok).toBe(true);
    // 10 today: now the day is spent, whatever the hour.
    clock.advance(HOUR_MS);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_day', retryAt: DAY0 + DAY_MS });
    clock.set(DAY0 + DAY_MS - 1);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_day' });
    clock.set(DAY0 + DAY_MS);
    expect((await send()).ok).toBe(true);
  });

  it('a lowered limit (a reload) applies to the counts already made in the window', async () => {
    const counters = makeCounters();
    const before = new SmsBudget({ counters, limits: DEFAULTS, allowedCountries: ['DE'] });
    const at = (now: number) => ({ identityId: 'alice', client: 'gw', country: 'DE', now });
    for (let i = 0; i < 3; i++) expect((await before.tryConsume(at(T0 + i * HOUR_MS))).ok).toBe(true);
    const lowered = { ...DEFAULTS, per_user: { hour: 5, day: 3 } };
    const after = new SmsBudget({ counters, limits: lowered, allowedCountries: ['DE'] });
    expect(await after.tryConsume(at(T0 + 3 * HOUR_MS))).toMatchObject({ ok: false, tripped: 'user_day' });
  });

  it('100 concurrent sends for one user: exactly per_user.hour get through', async () => {
    const { send } = setup();
    const results = await Promise.all(Array.from({ length: 100 }, () => send()));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.tripped === 'user_hour')).toHaveLength(95);
  });

  it('100 concurrent sends from 100 users: exactly total.hour get through', async () => {
    const { send } = setup(limitsWith({ total: { hour: 37, day: 100 } }));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => send({ identityId: `u${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(37);
  });

  it('refuses a country outside the allow-list before touching any counter', async () => {
    const { send } = setup(limitsWith({ per_user: { hour: 1, day: 1 } }), ['DE']);
    expect(await send({ country: 'AT' })).toEqual({ ok: false, tripped: 'country_not_allowed' });
    expect(await send({ country: 'de' })).toMatchObject({ ok: true });
    expect(await send({ country: 'FR' })).toEqual({ ok: false, tripped: 'country_not_allowed' });
  });

  it('+1: the allow-list and the budget go by NANP region, so US does not open Jamaica or Canada', async () => {
    const { send } = setup(limitsWith({ per_country: { hour: 2, day: 2 } }), ['US']);
    const region = (raw: string) => {
      const n = normalisePhoneNumber(raw);
      if (!n.ok) throw new Error(n.error.kind);
      return n.value.region;
    };
    expect(await send({ country: region('+1 876 210 1234') })).toEqual({
      ok: false,
      tripped: 'country_not_allowed',
    });
    expect(await send({ country: region('+1 506 234 5678') })).toEqual({
      ok: false,
      tripped: 'country_not_allowed',
    });
    expect((await send({ identityId: 'a', country: region('+1 201 555 0123') })).ok).toBe(true);
    expect((await send({ identityId: 'b', country: region('+1 201 555 0124') })).ok).toBe(true);
    expect(await send({ identityId: 'c', country: 'US' })).toMatchObject({
      ok: false,
      tripped: 'country_hour',
    });

    const both = setup(limitsWith({ per_country: { hour: 1, day: 1 } }), ['US', 'CA']);
    expect((await both.send({ identityId: 'a', country: 'US' })).ok).toBe(true);
    // Canada has its own per-country budget even though it shares +1.
    expect((await both.send({ identityId: 'b', country: 'CA' })).ok).toBe(true);
  });

  it('a clock reading that is not a number is a bug, not a free send', async () => {
    const { send } = setup();
    await expect(send({ now: Number.NaN })).rejects.toThrow(RangeError);
  });

  it('a refund gives one send back, once', async () => {
    const { budget, send } = setup();
    const first = await send();
    for (let i = 0; i < 4; i++) await send();
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour' });
    if (!first.ok) throw new Error('expected the first send to pass');
    expect(await budget.refund(first.ticket)).toBe(true);
    expect(await budget.refund(first.ticket)).toBe(false);
    expect((await send()).ok).toBe(true);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour' });
  });

  it('a refund after the window ended gives nothing to the new window', async () => {
    const { budget, clock, send } = setup(limitsWith({ per_user: { hour: 1, day: 1000 } }));
    const first = await send();
    if (!first.ok) throw new Error('expected the first send to pass');
    clock.advance(HOUR_MS);
    expect((await send()).ok).toBe(true);
    expect(await budget.refund(first.ticket)).toBe(true);
    expect(await send()).toMatchObject({ ok: false, tripped: 'user_hour' });
  });

  it('a refund from another budget instance is refused', async () => {
    const a = setup();
    const b = setup();
    const r = await a.send();
    if (!r.ok) throw new Error('expected the send to pass');
    expect(await b.budget.refund(r.ticket)).toBe(false);
    expect(await a.budget.refund(r.ticket)).toBe(true);
  });
});

describe('MemoryCounterStore', () => {
  it('keeps memory bounded: ended windows are swept', async () => {
    const counters = new MemoryCounterStore();
    const clock = new ManualClock(T0);
    const budget = new SmsBudget({ counters, limits: DEFAULTS, allowedCountries: ['DE'] });
    const sizes: number[] = [];
    for (let day = 0; day < 10; day++) {
      for (let i = 0; i < 50; i++) {
        await budget.tryConsume({
          identityId: `d${day}u${i}`,
          client: 'gw',
          country: 'DE',
          now: clock.now(),
        });
        clock.advance(60_000);
      }
      clock.advance(DAY_MS - 50 * 60_000);
      sizes.push(counters.size);
    }
    // Each day: 50 users × (hour, day) + (client, country, total) × (hour, day) = 106 entries, and
    // the day before has been swept (without the sweep the map would hold 10 × 106).
    expect(sizes).toEqual(new Array(10).fill(106));
  });
});

describe('SmsBudgetRepo (SQLite)', () => {
  const attempt = (now: number, identityId = 'alice'): SmsSendAttempt => ({
    identityId,
    client: 'vpn-gw',
    country: 'DE',
    now,
  });

  it('a restart does not reset the day: the budget survives close and reopen', async () => {
    const dir = join(root, `restart${dirs++}`);
    const first = openStore(dir);
    const b1 = new SmsBudget({ counters: first.smsBudgets, limits: DEFAULTS, allowedCountries: ['DE'] });
    for (let i = 0; i < 5; i++) expect((await b1.tryConsume(attempt(T0 + i))).ok).toBe(true);
    first.close();
    const second = openStore(dir);
    const b2 = new SmsBudget({ counters: second.smsBudgets, limits: DEFAULTS, allowedCountries: ['DE'] });
    expect(await b2.tryConsume(attempt(T0 + 10))).toMatchObject({ ok: false, tripped: 'user_hour' });
    for (let i = 0; i < 5; i++) expect((await b2.tryConsume(attempt(T0 + HOUR_MS + i))).ok).toBe(true);
    expect(await b2.tryConsume(attempt(T0 + 2 * HOUR_MS))).toMatchObject({ ok: false, tripped: 'user_day' });
  });

  it('two connections to one database share the counters', async () => {
    const dir = join(root, `shared${dirs++}`);
    const a = new SmsBudget({
      counters: openStore(dir).smsBudgets,
      limits: DEFAULTS,
      allowedCountries: ['DE'],
    });
    const b = new SmsBudget({
      counters: openStore(dir).smsBudgets,
      limits: DEFAULTS,
      allowedCountries: ['DE'],
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).tryConsume(attempt(T0 + i))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
  });

  it('deletes the rows of ended windows', async () => {
    const store = openStore();
    const budget = new SmsBudget({ counters: store.smsBudgets, limits: DEFAULTS, allowedCountries: ['DE'] });
    await budget.tryConsume(attempt(T0, 'a'));
    await budget.tryConsume(attempt(T0, 'b'));
    expect(store.smsBudgets.rows()).toBe(2 * 2 + 6);
    await budget.tryConsume(attempt(T0 + HOUR_MS, 'c'));
    // The first hour's five hourly rows are gone and the new hour has five; the day rows stay.
    expect(store.smsBudgets.rows()).toBe(4 + 6);
    await budget.tryConsume(attempt(DAY0 + DAY_MS, 'd'));
    expect(store.smsBudgets.rows()).toBe(8);
    expect(store.smsBudgets.count('user_day', 'a', DAY0)).toBe(0);
  });
});

describe('storage failures', () => {
  it('a store that cannot be written makes tryConsume reject: the caller sends nothing', async () => {
    const store = openStore();
    const budget = new SmsBudget({ counters: store.smsBudgets, limits: DEFAULTS, allowedCountries: ['DE'] });
    store.close();
    await expect(
      budget.tryConsume({ identityId: 'a', client: 'gw', country: 'DE', now: T0 }),
    ).rejects.toThrow();
  });
});

describe('the concurrency test has teeth', () => {
  /** A store that reads, yields to the event loop, then writes: what a careless async port does. */
  class RacyStore implements CounterStore {
    private readonly counts = new Map<string, number>();
    async tryIncrementAll(counters: readonly CounterSpec[]) {
      const key = (c: CounterSpec) => `${c.name}/${c.subject}/${c.windowStart}`;
      const full = counters.flatMap((c, i) => ((this.counts.get(key(c)) ?? 0) >= c.limit ? [i] : []));
      await new Promise((r) => setImmediate(r));
      if (full.length > 0) return { ok: false as const, full };
      for (const c of counters) this.counts.set(key(c), (this.counts.get(key(c)) ?? 0) + 1);
      return { ok: true as const };
    }
    decrementAll(): void {}
  }

  it('a check-then-act store lets a burst past the limit that a sequence respects', async () => {
    const racy = new SmsBudget({ counters: new RacyStore(), limits: DEFAULTS, allowedCountries: ['DE'] });
    const go = () => racy.tryConsume({ identityId: 'alice', client: 'gw', country: 'DE', now: T0 });
    const burst = await Promise.all(Array.from({ length: 100 }, go));
    expect(burst.filter((r) => r.ok).length).toBeGreaterThan(5);
  });
});
