import { describe, expect, it } from 'vitest';
import { IdentifierPool } from '../../../src/upstream/id-pool.js';

describe('IdentifierPool: FIFO Identifier allocation per socket', () => {
  it('hands out all 256 Identifiers once before any repeats, then refuses', () => {
    const pool = new IdentifierPool();
    const ids = Array.from({ length: 256 }, () => pool.take());
    expect(new Set(ids).size).toBe(256);
    expect(ids.every((id) => id !== undefined && id >= 0 && id <= 255)).toBe(true);
    expect(pool.take()).toBeUndefined();
    expect(pool.free).toBe(0);
  });

  it('reuses an Identifier as late as possible: the one freed longest ago comes back first', () => {
    const pool = new IdentifierPool();
    const taken = Array.from({ length: 256 }, () => pool.take()!);
    pool.release(taken[10]!);
    pool.release(taken[3]!);
    pool.release(taken[200]!);
    expect([pool.take(), pool.take(), pool.take()]).toEqual([taken[10], taken[3], taken[200]]);
  });

  it('a freed Identifier goes behind every other free one', () => {
    const pool = new IdentifierPool();
    const first = pool.take()!;
    pool.release(first);
    // 255 never-used ones are ahead of it.
    const next = Array.from({ length: 255 }, () => pool.take());
    expect(next).not.toContain(first);
    expect(pool.take()).toBe(first);
  });

  it('releasing an Identifier that is not outstanding is a no-op', () => {
    const pool = new IdentifierPool();
    const id = pool.take()!;
    pool.release(id);
    pool.release(id);
    expect(pool.free).toBe(256);
  });
});
