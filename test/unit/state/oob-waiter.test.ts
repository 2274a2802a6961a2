import { describe, expect, it } from 'vitest';
import { ManualClock, ManualTimers } from '../../../src/shared/clock.js';
import { MemoryOobWaiter } from '../../../src/state/oob-waiter.js';

const setup = (maxWaits = 100) => {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  return { clock, timers, waiter: new MemoryOobWaiter<string>(timers, { earlyTtlMs: 5000, maxWaits }) };
};

describe('MemoryOobWaiter', () => {
  it('an answer delivered while waiting releases the wait, and every waiter on the key', async () => {
    const { waiter, timers } = setup();
    const a = waiter.wait('login-1', { timeoutMs: 30_000 });
    const b = waiter.wait('login-1', { timeoutMs: 30_000 });
    expect(waiter.size).toBe(2);
    expect(await waiter.deliver('login-1', 'approve')).toBe(true);
    expect(await a).toEqual({ kind: 'answered', answer: 'approve' });
    expect(await b).toEqual({ kind: 'answered', answer: 'approve' });
    expect(waiter.size).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('times out at the deadline by the injected clock, not before', async () => {
    const { waiter, timers } = setup();
    let done = false;
    const w = waiter.wait('k', { timeoutMs: 10_000 }).then((r) => {
      done = true;
      return r;
    });
    timers.advance(9_999);
    await Promise.resolve();
    expect(done).toBe(false);
    timers.advance(1);
    expect(await w).toEqual({ kind: 'timeout' });
    // A late answer is kept for a later wait on the same key, then forgotten.
    expect(await waiter.deliver('k', 'late')).toBe(true);
    timers.advance(5_000);
    const again = waiter.wait('k', { timeoutMs: 1 });
    timers.advance(1);
    expect(await again).toEqual({ kind: 'timeout' });
  });

  it('an answer that arrives before the wait is not lost; a second one for the same key is refused', async () => {
    const { waiter } = setup();
    expect(await waiter.deliver('k', 'first')).toBe(true);
    expect(await waiter.deliver('k', 'second')).toBe(false);
    expect(await waiter.wait('k', { timeoutMs: 1000 })).toEqual({ kind: 'answered', answer: 'first' });
  });

  it('an abort (drain, reload) ends the wait at once and cleans up', async () => {
    const { waiter, timers } = setup();
    const ac = new AbortController();
    const w = waiter.wait('k', { timeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    expect(await w).toEqual({ kind: 'aborted' });
    expect(waiter.size).toBe(0);
    expect(timers.pending).toBe(0);
    expect(await waiter.wait('k2', { timeoutMs: 1, signal: ac.signal })).toEqual({ kind: 'aborted' });
  });

  it('is bounded: past maxWaits a wait ends as a timeout at once', async () => {
    const { waiter } = setup(2);
    void waiter.wait('a', { timeoutMs: 1000 });
    void waiter.wait('b', { timeoutMs: 1000 });
    expect(await waiter.wait('c', { timeoutMs: 1000 })).toEqual({ kind: 'timeout' });
  });
});
