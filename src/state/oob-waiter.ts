import type { Timers } from '../shared/clock.js';

/** How an out-of-band wait ended. */
export type WaitResult<T> =
  | { readonly kind: 'answered'; readonly answer: T }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' };

/**
 * The port for out-of-band answers (a reply to an SMS, a push approval): a request waits for the
 * answer under a key until its deadline; whoever receives the answer delivers it. An answer that
 * arrives before anyone waits is kept until `ttlMs`, so a fast phone is never lost to a slow node.
 * A shared implementation (Redis pub/sub or a blocking pop) lets another node deliver it.
 */
export interface OobWaiterPort<T> {
  wait(
    key: string,
    opts: { readonly timeoutMs: number; readonly signal?: AbortSignal },
  ): Promise<WaitResult<T>>;
  /** True when a waiter took it (or it was kept for one); false when the key is already answered. */
  deliver(key: string, answer: T): Promise<boolean>;
}

interface Waiting<T> {
  readonly resolve: (r: WaitResult<T>) => void;
  readonly timer: unknown;
  readonly onAbort?: () => void;
  readonly signal?: AbortSignal;
}

/** The embedded waiter: in this process's memory, with injected timers and bounded size. */
export class MemoryOobWaiter<T> implements OobWaiterPort<T> {
  private readonly waiting = new Map<string, Waiting<T>[]>();
  private readonly early = new Map<string, { answer: T; timer: unknown }>();

  constructor(
    private readonly timers: Timers,
    private readonly opts: { readonly earlyTtlMs: number; readonly maxWaits: number } = {
      earlyTtlMs: 60_000,
      maxWaits: 100_000,
    },
  ) {}

  private count = 0;

  /** Waits in progress (kept as a count: a bound checked on every wait must not walk them all). */
  get size(): number {
    return this.count;
  }

  async wait(key: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<WaitResult<T>> {
    const kept = this.early.get(key);
    if (kept) {
      this.early.delete(key);
      this.timers.clearTimeout(kept.timer);
      return { kind: 'answered', answer: kept.answer };
    }
    if (o.signal?.aborted) return { kind: 'aborted' };
    // A look without waiting (was there an answer already?).
    if (o.timeoutMs <= 0) return { kind: 'timeout' };
    // Refuse rather than grow without bound: the caller falls back as on a timeout.
    if (this.size >= this.opts.maxWaits) return { kind: 'timeout' };
    return new Promise((resolve) => {
      let entry: Waiting<T>;
      const finish = (r: WaitResult<T>): void => {
        this.remove(key, entry);
        resolve(r);
      };
      const timer = this.timers.setTimeout(() => finish({ kind: 'timeout' }), o.timeoutMs);
      const onAbort = o.signal ? () => finish({ kind: 'aborted' }) : undefined;
      entry = { resolve: finish, timer, ...(onAbort ? { onAbort, signal: o.signal } : {}) };
      if (onAbort) o.signal!.addEventListener('abort', onAbort, { once: true });
      const list = this.waiting.get(key);
      if (list) list.push(entry);
      else this.waiting.set(key, [entry]);
      this.count++;
    });
  }

  async deliver(key: string, answer: T): Promise<boolean> {
    const list = this.waiting.get(key);
    if (list && list.length > 0) {
      // Every request waiting on this login (a re-dial joined it) gets the same answer.
      for (const w of [...list]) w.resolve({ kind: 'answered', answer });
      return true;
    }
    if (this.early.has(key)) return false;
    // Bounded: a flood of replies from many numbers nobody waits for must not grow without end.
    if (this.early.size >= this.opts.maxWaits) return false;
    const timer = this.timers.setTimeout(() => this.early.delete(key), this.opts.earlyTtlMs);
    this.early.set(key, { answer, timer });
    return true;
  }

  private remove(key: string, entry: Waiting<T>): void {
    this.timers.clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    const list = this.waiting.get(key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) {
      list.splice(i, 1);
      this.count--;
    }
    if (list.length === 0) this.waiting.delete(key);
  }
}
