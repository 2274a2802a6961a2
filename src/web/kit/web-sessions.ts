import { timingSafeEqual } from 'node:crypto';
import type { Clock, Rng } from '../../shared/clock.js';

export interface WebSession<T> {
  readonly id: string;
  /** The synchronizer token every form of this session carries (OWASP CSRF cheat sheet). */
  readonly csrf: string;
  readonly data: T;
}

interface Entry<T> {
  csrf: string;
  data: T;
  created: number;
  seen: number;
}

/**
 * Browser sessions in memory: 256-bit random ids, an idle and an absolute lifetime, a bounded count
 * (the oldest go first). One instance per surface, so a portal cookie is never an admin session.
 * Restarting the process signs everyone out, which is the safe direction.
 */
export class WebSessions<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly opts: {
      readonly idleMs: number;
      readonly absoluteMs: number;
      readonly maxSessions?: number;
      readonly clock: Clock;
      readonly rng: Rng;
    },
  ) {}

  create(data: T): WebSession<T> {
    const max = this.opts.maxSessions ?? 10_000;
    while (this.entries.size >= max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const id = this.opts.rng.bytes(32).toString('base64url');
    const csrf = this.opts.rng.bytes(32).toString('base64url');
    const now = this.opts.clock.now();
    this.entries.set(id, { csrf, data, created: now, seen: now });
    return { id, csrf, data };
  }

  /** The live session for a cookie value; touching it extends the idle lifetime. */
  get(id: string | undefined): WebSession<T> | undefined {
    if (!id) return undefined;
    const e = this.entries.get(id);
    if (!e) return undefined;
    const now = this.opts.clock.now();
    if (now - e.seen > this.opts.idleMs || now - e.created > this.opts.absoluteMs) {
      this.entries.delete(id);
      return undefined;
    }
    e.seen = now;
    return { id, csrf: e.csrf, data: e.data };
  }

  update(id: string, data: T): void {
    const e = this.entries.get(id);
    if (e) e.data = data;
  }

  /**
   * A new id for the same data (after a sign-in step raises the session's privilege: no session
   * fixation, OWASP ASVS V3.2.1).
   */
  rotate(id: string, data: T): WebSession<T> {
    this.entries.delete(id);
    return this.create(data);
  }

  destroy(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Constant time: the token is a secret an attacker may probe for. */
  checkCsrf(session: WebSession<T>, token: string | undefined): boolean {
    if (token === undefined) return false;
    const a = Buffer.from(session.csrf);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
