import { describe, expect, it } from 'vitest';
import { BindPool } from '../../../src/directory/bind-pool.js';

class Fake {
  alive = true;
  destroyed = false;
  constructor(readonly n: number) {}
  destroy(): void {
    this.destroyed = true;
    this.alive = false;
  }
}

function pool(size: number, fail = false) {
  let n = 0;
  const opened: Fake[] = [];
  const p = new BindPool<Fake>(size, async () => {
    if (fail) return new Error('refused');
    const f = new Fake(++n);
    opened.push(f);
    return f;
  });
  return { p, opened };
}

describe('BindPool', () => {
  it('opens up to size connections, then reuses released ones', async () => {
    const { p, opened } = pool(2);
    const a = (await p.acquire(100)) as Fake;
    const b = (await p.acquire(100)) as Fake;
    expect([a.n, b.n]).toEqual([1, 2]);
    p.release(a);
    expect(((await p.acquire(100)) as Fake).n).toBe(1);
    expect(opened).toHaveLength(2);
  });

  it('hands a released connection to a waiter, one bind per connection', async () => {
    const { p } = pool(1);
    const a = (await p.acquire(100)) as Fake;
    const waiting = p.acquire(1000);
    p.release(a);
    expect(await waiting).toBe(a);
  });

  it('a waiter gets null after the wait time', async () => {
    const { p } = pool(1);
    await p.acquire(100);
    expect(await p.acquire(20)).toBeNull();
  });

  it('drops dead connections and opens fresh ones in their place', async () => {
    const { p, opened } = pool(1);
    const a = (await p.acquire(100)) as Fake;
    const waiting = p.acquire(1000);
    a.alive = false;
    p.release(a);
    const b = (await waiting) as Fake;
    expect(b.n).toBe(2);
    expect(a.destroyed).toBe(true);
    p.release(b);
    b.alive = false;
    expect(((await p.acquire(100)) as Fake).n).toBe(3);
    expect(opened).toHaveLength(3);
  });

  it('returns the open error and frees the slot', async () => {
    const { p } = pool(1, true);
    expect(await p.acquire(100)).toBeInstanceOf(Error);
    expect(await p.acquire(100)).toBeInstanceOf(Error);
  });

  it('close destroys idle connections and wakes waiters with null', async () => {
    const { p } = pool(1);
    const a = (await p.acquire(100)) as Fake;
    const waiting = p.acquire(1000);
    p.close();
    expect(await waiting).toBeNull();
    p.release(a);
    expect(a.destroyed).toBe(true);
    expect(await p.acquire(100)).toBeNull();
  });
});
