import { randomBytes } from 'node:crypto';

/** Injected time, so TOTP windows and expiry are testable without sleeping. Milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Injected randomness, so State values and secrets are reproducible in tests. */
export interface Rng {
  bytes(n: number): Buffer;
}

export const systemClock: Clock = { now: () => Date.now() };
export const cryptoRng: Rng = { bytes: (n) => randomBytes(n) };

/** A clock a test can move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Injected timers, so a wait or an expiry is tested by moving a clock, never by sleeping. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending wait must never keep a stopping process alive.
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Timers driven by a ManualClock: `advance` fires what is due, in order. */
export class ManualTimers implements Timers {
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  private next = 1;

  constructor(private readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.clock.now() + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves the clock by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.clock.now() + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.due) if (e[1].at <= until && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.due.delete(first[0]);
      this.clock.set(first[1].at);
      first[1].fn();
    }
    this.clock.set(until);
  }

  get pending(): number {
    return this.due.size;
  }
}
