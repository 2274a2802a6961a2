import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { TokenBucket } from '../../../src/sms/token-bucket.js';

describe('TokenBucket (GCRA) over an injected clock', () => {
  it('rate 10/s, burst 1: one slot every 100 ms, FIFO', () => {
    const clock = new ManualClock(1_000_000);
    const b = new TokenBucket(10, 1);
    expect([0, 1, 2, 3].map(() => b.reserve(clock.now()))).toEqual([0, 100, 200, 300]);
    clock.advance(1000);
    expect(b.reserve(clock.now())).toBe(0);
  });

  it('burst 3: three at once after a quiet spell, then the rate', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(5, 3);
    expect([0, 1, 2, 3, 4].map(() => b.reserve(clock.now()))).toEqual([0, 0, 0, 200, 400]);
    clock.advance(200);
    // 200 ms later the 4th slot is due now and the 6th waits 400 ms.
    expect(b.reserve(clock.now())).toBe(400);
  });

  it('never reserves past `latest`, and a refused reservation costs nothing', () => {
    const clock = new ManualClock(0);
    const b = new TokenBucket(2, 1);
    expect(b.reserve(0, 600)).toBe(0);
    expect(b.reserve(0, 600)).toBe(500);
    expect(b.reserve(0, 600)).toBeUndefined();
    clock.advance(1000);
    expect(b.reserve(clock.now(), clock.now())).toBe(0);
  });

  it('rejects nonsense settings', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});
