import type { Clock } from '../../shared/clock.js';

export interface AdminLockoutOptions {
  /** Failed passwords or codes within the window that lock the admin name. */
  readonly maxFailures: number;
  readonly windowSec: number;
  readonly lockSec: number;
}

/** Names tracked at most: a flood of invented names evicts the oldest entry, not memory. */
const MAX_NAMES = 4096;

/**
 * The admin sign-in's own lockout, by admin name (typed names included, known or not, so a probe
 * for names learns nothing from who gets locked). In memory: the admin pages run in the server
 * process, and a restart by an attacker is not possible from the web. Apart from the RADIUS
 * lockout: an attacker at the admin page cannot lock VPN users out, and the reverse.
 */
export class AdminLockout {
  private readonly entries = new Map<string, { failures: number[]; until: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: AdminLockoutOptions,
  ) {}

  /** Clock ms until which the name is locked, or undefined. */
  lockedUntil(name: string): number | undefined {
    const e = this.entries.get(key(name));
    return e && e.until > this.clock.now() ? e.until : undefined;
  }

  /** Counts a failure; returns the lock's end when this failure set it. */
  fail(name: string): number | undefined {
    const k = key(name);
    const now = this.clock.now();
    let e = this.entries.get(k);
    if (e === undefined) {
      if (this.entries.size >= MAX_NAMES) this.entries.delete(this.entries.keys().next().value!);
      e = { failures: [], until: 0 };
      this.entries.set(k, e);
    }
    if (e.until > now) return undefined;
    const since = now - this.opts.windowSec * 1000;
    e.failures = e.failures.filter((t) => t > since);
    e.failures.push(now);
    if (e.failures.length < this.opts.maxFailures) return undefined;
    e.failures = [];
    e.until = now + this.opts.lockSec * 1000;
    return e.until;
  }

  succeed(name: string): void {
    this.entries.delete(key(name));
  }
}

const key = (name: string): string => name.trim().toLowerCase();
