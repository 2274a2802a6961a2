import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT, LockoutPolicy, type LockoutOptions } from '../../../src/factors/lockout.js';
import type { AttemptSlot, LockedOut, LockoutPort } from '../../../src/pipeline/ports.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { RedisLockout } from '../../../src/state/redis/redis-lockout.js';
import { Store } from '../../../src/store/store.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
const root = mkdtempSync(join(tmpdir(), 'rlock-'));
const stores: Store[] = [];
const T0 = 1_700_000_000_000;
let n = 0;
afterAll(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

interface Pair {
  readonly a: LockoutPort;
  readonly b: LockoutPort;
  readonly clock: ManualClock;
  readonly locked: Array<[string, number]>;
  /** Every release sent has landed (Redis releases are fire and forget). */
  readonly settled: () => Promise<void>;
}

/** The same table for the embedded LockoutPolicy (SQLite + this process's in-flight map) and Redis. */
const impls: Array<[string, (o?: LockoutOptions) => Promise<Pair>]> = [
  [
    'sqlite',
    async (options = DEFAULT_LOCKOUT) => {
      const store = Store.open(join(root, `d${n++}`));
      stores.push(store);
      const clock = new ManualClock(T0);
      const locked: Array<[string, number]> = [];
      const p = new LockoutPolicy({
        repo: store.lockouts,
        clock,
        options,
        onLocked: (i, u) => locked.push([i, u]),
      });
      return { a: p, b: p, clock, locked, settled: async () => {} };
    },
  ],
  [
    'redis',
    async (options = DEFAULT_LOCKOUT) => {
      const { a, b } = await env.nodes(`lk${n++}`);
      const clock = new ManualClock(T0);
      const locked: Array<[string, number]> = [];
      const onLocked = (i: string, u: number) => locked.push([i, u]);
      const la = new RedisLockout({ redis: a, clock, options, onLocked });
      const lb = new RedisLockout({ redis: b, clock, options, onLocked });
      return {
        a: la,
        b: lb,
        clock,
        locked,
        settled: async () => void (await Promise.all([la.settled(), lb.settled()])),
      };
    },
  ],
];

const isSlot = (r: AttemptSlot | LockedOut): r is AttemptSlot => r.kind === 'slot';

/** One login attempt with a wrong password: reserve, fail, give back. */
async function wrongPassword(port: LockoutPort, id: string): Promise<boolean> {
  const r = await port.acquire(id);
  if (!isSlot(r)) return false;
  await port.recordFailure(id);
  r.release();
  return true;
}

describe.each(impls)('LockoutPort (%s)', (_name, make) => {
  it('locks on the 5th failure within the window (any spelling), reports it once, and a failure in the lock does not extend it', async () => {
    const { a, b, clock, locked, settled } = await make();
    for (let i = 0; i < 4; i++) {
      expect(await wrongPassword(i % 2 ? a : b, i % 2 ? 'Alice' : 'alice')).toBe(true);
      clock.advance(10_000);
    }
    await settled();
    expect(locked).toEqual([]);
    expect(await wrongPassword(a, 'ALICE')).toBe(true);
    const until = clock.now() + 900_000;
    expect(locked.map(([i, u]) => [i.toLowerCase(), u])).toEqual([['alice', until]]);
    await settled();
    expect(await b.acquire('alice')).toEqual({ kind: 'locked', until });
    clock.advance(60_000);
    await b.recordFailure('alice');
    expect(locked).toHaveLength(1);
    expect(await a.acquire('alice')).toEqual({ kind: 'locked', until });
    expect((await a.acquire('bob')).kind).toBe('slot');
  });

  it('failures older than the window do not count', async () => {
    const { a, b, clock, settled } = await make();
    for (let i = 0; i < 4; i++) await wrongPassword(a, 'alice');
    clock.advance(300_000); // exactly one window old: out
    for (let i = 0; i < 4; i++) expect(await wrongPassword(b, 'alice')).toBe(true);
    await settled();
    expect((await a.acquire('alice')).kind).toBe('slot');
  });

  it('the lock expires after lockSec and counting starts afresh', async () => {
    const { a, b, clock, settled } = await make();
    for (let i = 0; i < 5; i++) await wrongPassword(a, 'alice');
    await settled();
    clock.advance(900_000 - 1);
    expect((await b.acquire('alice')).kind).toBe('locked');
    clock.advance(1);
    const s = await b.acquire('alice');
    expect(s.kind).toBe('slot');
    (s as AttemptSlot).release();
    await settled();
    for (let i = 0; i < 4; i++) expect(await wrongPassword(a, 'alice')).toBe(true);
  });

  it('a success clears the failures, not a lock', async () => {
    const { a, b, settled } = await make();
    for (let i = 0; i < 4; i++) await wrongPassword(a, 'alice');
    await b.recordSuccess('Alice');
    for (let i = 0; i < 4; i++) expect(await wrongPassword(b, 'alice')).toBe(true);
    await wrongPassword(a, 'alice');
    await a.recordSuccess('alice');
    await settled();
    expect((await b.acquire('alice')).kind).toBe('locked');
  });

  it('checks in flight count: with 5 allowed, the 6th simultaneous acquire is refused until one is given back', async () => {
    const { a, b, settled } = await make();
    const slots = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).acquire('alice')));
    expect(slots.every(isSlot)).toBe(true);
    expect(await a.acquire('alice')).toEqual({ kind: 'locked' });
    (slots[0] as AttemptSlot).release();
    (slots[0] as AttemptSlot).release(); // twice is once
    await settled();
    const again = await b.acquire('alice');
    expect(again.kind).toBe('slot');
    expect(await a.acquire('alice')).toEqual({ kind: 'locked' });
  });

  it('300 simultaneous wrong passwords split across both nodes get exactly max_failures checks and lock the user', async () => {
    const { a, b, locked, settled } = await make();
    const checked = await Promise.all(
      Array.from({ length: 300 }, (_, i) => wrongPassword(i % 2 ? a : b, 'alice')),
    );
    expect(checked.filter(Boolean)).toHaveLength(5);
    expect(locked).toHaveLength(1);
    await settled();
    expect((await a.acquire('alice')).kind).toBe('locked');
  });
});

describe('RedisLockout', () => {
  it('each call is one round trip', async () => {
    const { a } = await env.nodes(`lk${n++}`);
    const l = new RedisLockout({ redis: a, clock: new ManualClock(T0), options: DEFAULT_LOCKOUT });
    const s = await l.acquire('alice');
    await l.recordFailure('alice');
    await l.recordSuccess('alice');
    (s as AttemptSlot).release();
    await l.settled();
    expect(Object.fromEntries(a.roundTrips.byOp)).toEqual({
      'lockout.acquire': 1,
      'lockout.failure': 1,
      'lockout.success': 1,
      'lockout.release': 1,
    });
  });

  it('slots held by a node that died lapse after slotTtlMs (by the clock), so the user is not locked out for good', async () => {
    const { a, b } = await env.nodes(`lk${n++}`);
    const clock = new ManualClock(T0);
    const dead = new RedisLockout({ redis: a, clock, options: DEFAULT_LOCKOUT, slotTtlMs: 30_000 });
    const live = new RedisLockout({ redis: b, clock, options: DEFAULT_LOCKOUT, slotTtlMs: 30_000 });
    for (let i = 0; i < 5; i++) expect((await dead.acquire('alice')).kind).toBe('slot'); // never released
    expect((await live.acquire('alice')).kind).toBe('locked');
    clock.advance(30_000);
    expect((await live.acquire('alice')).kind).toBe('slot');
  });

  it('status and unlock (admin) see and clear the lock made on another node', async () => {
    const { a, b } = await env.nodes(`lk${n++}`);
    const clock = new ManualClock(T0);
    const la = new RedisLockout({ redis: a, clock, options: DEFAULT_LOCKOUT });
    const lb = new RedisLockout({ redis: b, clock, options: DEFAULT_LOCKOUT });
    for (let i = 0; i < 5; i++) await la.recordFailure('alice');
    expect(await lb.status('alice')).toEqual({ locked: true, until: T0 + 900_000 });
    await lb.unlock('Alice');
    expect(await la.status('alice')).toEqual({ locked: false });
    expect((await la.acquire('alice')).kind).toBe('slot');
  });

  it('Redis stopped: acquire and recordFailure reject with MFA_ERR_SHARED_STATE, a release is dropped quietly; all works again once Redis is back', async () => {
    const { a } = await env.nodes(`lk${n++}`);
    const l = new RedisLockout({ redis: a, clock: new ManualClock(T0), options: DEFAULT_LOCKOUT });
    const held = await l.acquire('alice');
    await env.server().kill();
    await expect(l.acquire('alice')).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await expect(l.recordFailure('alice')).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    (held as AttemptSlot).release();
    await l.settled();
    await env.server().restart();
    await whenReady(a);
    expect((await l.acquire('alice')).kind).toBe('slot');
  });
});
