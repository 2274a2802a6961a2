import type { Timers } from './sms-sender.js';

/**
 * A send rate limit as a token bucket, written as GCRA (the virtual-scheduling form, ITU-T I.371):
 * one theoretical arrival time instead of a token count, so a reservation is O(1), FIFO, and pure
 * over the injected clock. `rate` messages per second, up to `burst` at once after a quiet spell.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private tat = Number.NEGATIVE_INFINITY;

  constructor(rate: number, burst: number) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
    this.intervalMs = 1000 / rate;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /**
   * Reserves the next send slot: the ms to wait from `now` (0 = send at once), or undefined when the
   * slot would come after `latest` (then nothing is reserved).
   */
  reserve(now: number, latest = Number.POSITIVE_INFINITY): number | undefined {
    const tat = Math.max(this.tat, now);
    const at = Math.max(now, tat - this.toleranceMs);
    if (at > latest) return undefined;
    this.tat = tat + this.intervalMs;
    return at - now;
  }
}

/** Waits for a reserved slot: true when it came, false when the signal aborted the wait first. */
export function sleep(timers: Timers, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timers.clearTimeout(t);
      resolve(false);
    };
    const t = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
