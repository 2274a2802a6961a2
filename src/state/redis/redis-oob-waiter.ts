import type { Timers } from '../../shared/clock.js';
import type { OobWaiterPort, WaitResult } from '../oob-waiter.js';
import type { LuaScript, RedisState } from '../redis-client.js';

/**
 * Out-of-band answers shared by every node: an SMS reply or a push approval that reaches node B
 * releases the request node A holds. Pub/sub on a connection of its own (a subscriber can send
 * nothing else): a wait subscribes to the key's channel, then takes an answer that came before it
 * (GETDEL); `deliver` publishes, and keeps the answer for `earlyTtlMs` when nobody listened, in one
 * Lua script, so an answer is either heard or kept, never lost between the two. Every request
 * waiting on the key, on any node, gets the same answer (a re-dial that joined the login).
 *
 * Round trips: a wait costs SUBSCRIBE + GETDEL (+ UNSUBSCRIBE when its key's last wait ends), a
 * look (`timeoutMs` ≤ 0) one GETDEL; a delivery one. Timeouts use the injected timers. Redis
 * unreachable: `wait` and `deliver` reject with MFA_ERR_SHARED_STATE; a wait already subscribed
 * survives a Redis restart (ioredis subscribes again) and otherwise ends at its timeout.
 */

const DELIVER: LuaScript = {
  name: 'mfaOobDeliver',
  keys: 1,
  // KEYS: the early answer. ARGV: channel, answer, earlyTtlMs. PUBLISH says how many heard it.
  lua: `
if redis.call('PUBLISH', ARGV[1], ARGV[2]) > 0 then return 1 end
if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 1 end
return 0`,
};

interface Waiting<T> {
  readonly finish: (r: WaitResult<T>) => void;
}

type Subscriber = Awaited<ReturnType<RedisState['duplicate']>>;

export class RedisOobWaiter<T> implements OobWaiterPort<T> {
  private readonly waiting = new Map<string, Set<Waiting<T>>>();
  /** One subscription per channel with local waits (SUBSCRIBE, then the GETDEL of an early answer). */
  private readonly subscribed = new Map<string, Promise<void>>();
  private sub: Promise<Subscriber> | undefined;
  private count = 0;

  constructor(
    private readonly redis: RedisState,
    private readonly timers: Timers,
    private readonly opts: { readonly earlyTtlMs: number; readonly maxWaits: number } = {
      earlyTtlMs: 60_000,
      maxWaits: 100_000,
    },
  ) {}

  /** Waits in progress on this node. */
  get size(): number {
    return this.count;
  }

  async wait(key: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<WaitResult<T>> {
    if (o.timeoutMs <= 0 || o.signal?.aborted) {
      // A look: an answer kept for us is taken even so (as MemoryOobWaiter does).
      const kept = await this.takeEarly(key);
      if (kept !== undefined) return { kind: 'answered', answer: kept };
      return o.signal?.aborted ? { kind: 'aborted' } : { kind: 'timeout' };
    }
    if (this.count >= this.opts.maxWaits) return { kind: 'timeout' };
    const channel = this.channelOf(key);
    let entry!: Waiting<T>;
    const result = new Promise<WaitResult<T>>((resolve) => {
      const timer = this.timers.setTimeout(() => entry.finish({ kind: 'timeout' }), o.timeoutMs);
      const onAbort = () => entry.finish({ kind: 'aborted' });
      let done = false;
      entry = {
        finish: (r) => {
          if (done) return;
          done = true;
          this.timers.clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          this.remove(channel, entry);
          resolve(r);
        },
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    // Listed before subscribing: a message that arrives as the SUBSCRIBE completes finds it.
    const set = this.waiting.get(channel) ?? new Set();
    set.add(entry);
    this.waiting.set(channel, set);
    this.count++;
    try {
      await this.subscribe(channel, key);
    } catch (e) {
      entry.finish({ kind: 'timeout' });
      throw e;
    }
    return result;
  }

  async deliver(key: string, answer: T): Promise<boolean> {
    const won = await this.redis.script(
      'oob.deliver',
      DELIVER,
      [this.earlyOf(key)],
      [this.channelOf(key), JSON.stringify(answer), this.opts.earlyTtlMs],
    );
    return won === 1;
  }

  private subscribe(channel: string, key: string): Promise<void> {
    let p = this.subscribed.get(channel);
    if (p) return p;
    p = (async () => {
      const sub = await this.subscriber();
      await this.redis.run('oob.subscribe', () => sub.subscribe(channel));
      // An answer delivered before we listened was kept: it answers every wait here. Listening
      // already, a failure here does not end the wait: a delivery from now on is still heard,
      // and the timeout ends it otherwise (a kept answer is lost only if Redis itself lost it).
      const kept = await this.takeEarly(key).catch(() => undefined);
      if (kept !== undefined) this.answer(channel, kept);
    })();
    this.subscribed.set(channel, p);
    p.catch(() => {
      if (this.subscribed.get(channel) === p) this.subscribed.delete(channel);
    });
    return p;
  }

  private subscriber(): Promise<Subscriber> {
    if (!this.sub) {
      const p = this.redis.duplicate().then((sub) => {
        sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
        return sub;
      });
      p.catch(() => {
        if (this.sub === p) this.sub = undefined;
      });
      this.sub = p;
    }
    return this.sub;
  }

  private onMessage(channel: string, message: string): void {
    let answer: T;
    try {
      answer = JSON.parse(message) as T;
    } catch {
      return; // not ours
    }
    if (this.waiting.has(channel)) {
      this.answer(channel, answer);
      return;
    }
    // Heard, but our last wait on it ended as the message came (UNSUBSCRIBE in flight): keep it
    // for the next wait, as if nobody had listened.
    const early = this.redis.key('oob-early', channel.slice(this.redis.key('oob', '').length));
    void this.redis
      .run('oob.keep', (r) => r.set(early, message, 'PX', this.opts.earlyTtlMs, 'NX'))
      .catch(() => undefined);
  }

  private answer(channel: string, answer: T): void {
    for (const w of [...(this.waiting.get(channel) ?? [])]) w.finish({ kind: 'answered', answer });
  }

  private async takeEarly(key: string): Promise<T | undefined> {
    const raw = await this.redis.run('oob.take', (r) => r.getdel(this.earlyOf(key)));
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  private remove(channel: string, entry: Waiting<T>): void {
    const set = this.waiting.get(channel);
    if (!set?.delete(entry)) return;
    this.count--;
    if (set.size > 0) return;
    this.waiting.delete(channel);
    const p = this.subscribed.get(channel);
    this.subscribed.delete(channel);
    // After the SUBSCRIBE (the connection keeps the order); lost with Redis, nothing to undo.
    void p
      ?.then(async () => {
        const sub = await this.subscriber();
        // A new wait on the key came meanwhile: it subscribed again (or will, after this check).
        if (this.waiting.has(channel)) return;
        await this.redis.run('oob.unsubscribe', () => sub.unsubscribe(channel));
      })
      .catch(() => undefined);
  }

  private channelOf(key: string): string {
    return this.redis.key('oob', key);
  }

  private earlyOf(key: string): string {
    return this.redis.key('oob-early', key);
  }
}
