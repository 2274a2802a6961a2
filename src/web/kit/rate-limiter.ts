import type { Clock } from '../../shared/clock.js';

/**
 * A fixed-window counter per key (a source address): at most `limit` takes per `windowMs`. Memory is
 * bounded: at `maxKeys` the oldest windows are dropped first, so a spray from many addresses costs
 * a bounded map, not the process.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly maxKeys: number;

  constructor(
    private readonly opts: { readonly limit: number; readonly windowMs: number; readonly maxKeys?: number },
    private readonly clock: Clock,
  ) {
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** True when the action is allowed (and counted). */
  take(key: string): boolean {
    const now = this.clock.now();
    let w = this.windows.get(key);
    if (w === undefined || now - w.start >= this.opts.windowMs) {
      if (w !== undefined) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.evict(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.opts.limit) return false;
    w.count++;
    return true;
  }

  private evict(now: number): void {
    for (const [k, w] of this.windows) {
      if (now - w.start >= this.opts.windowMs || this.windows.size >= this.maxKeys) this.windows.delete(k);
      if (this.windows.size < this.maxKeys) return;
    }
  }
}
