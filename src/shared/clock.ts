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
