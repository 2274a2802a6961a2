import { describe, expect, it } from 'vitest';
import { DuplicateCache } from '../../../src/server/duplicate-cache.js';
import { ManualClock } from '../../../src/shared/clock.js';

const key = (n: number) => DuplicateCache.key('192.0.2.1', 1000 + n, n & 0xff, Buffer.alloc(16, n));
const reply = Buffer.from('reply');

describe('DuplicateCache (RFC 5080 §2.2.2)', () => {
  it('ignores a copy in flight, replays the answer afterwards, and forgets an abandoned request', () => {
    const clock = new ManualClock(0);
    const c = new DuplicateCache(clock, 30_000);
    expect(c.begin(key(1)).kind).toBe('new');
    expect(c.begin(key(1)).kind).toBe('in_flight');
    c.complete(key(1), reply);
    expect(c.begin(key(1))).toEqual({ kind: 'replay', reply });
    expect(c.begin(key(2)).kind).toBe('new');
    c.abandon(key(2));
    expect(c.begin(key(2)).kind).toBe('new');
  });

  it('keeps a reply for at least the window and at most twice the window', () => {
    const clock = new ManualClock(0);
    const c = new DuplicateCache(clock, 30_000);
    clock.advance(29_999);
    c.begin(key(1));
    c.complete(key(1), reply);
    // Completed just before a rotation: still there one full window later.
    clock.advance(30_000);
    expect(c.begin(key(1)).kind).toBe('replay');
    clock.advance(30_001);
    expect(c.begin(key(1)).kind).toBe('new');
    // After a long idle time both generations are gone at once.
    c.complete(key(1), reply);
    clock.advance(120_000);
    expect(c.begin(key(1)).kind).toBe('new');
  });

  it('gives up on an in-flight entry whose handler never completed', () => {
    const clock = new ManualClock(0);
    const c = new DuplicateCache(clock, 30_000, 60_000);
    c.begin(key(3));
    clock.advance(59_999);
    expect(c.begin(key(3)).kind).toBe('in_flight');
    clock.advance(1);
    expect(c.begin(key(3)).kind).toBe('new');
  });

  it('bounds memory: a full generation rotates early', () => {
    const clock = new ManualClock(0);
    const c = new DuplicateCache(clock, 30_000, 120_000, 100);
    for (let i = 0; i < 1000; i++) {
      c.begin(key(i));
      c.complete(key(i), reply);
    }
    expect(c.size).toBeLessThanOrEqual(200);
    expect(c.begin(key(999)).kind).toBe('replay');
  });
});
