import { Redis, type RedisOptions } from 'ioredis';
import { AppError, ErrorCodes } from '../shared/errors.js';

/**
 * The one owner of the Redis connection for the shared-state ports (issue 13: several nodes as
 * one). The only importer of ioredis. Every port operation goes through `run`, which counts one
 * round trip per call (each call is one command, one Lua script or one pipeline), so the README can
 * state what a login costs, and turns any Redis failure into `MFA_ERR_SHARED_STATE`: the callers
 * refuse (the pipeline rejects the login), they never guess.
 *
 * Not wired into the app yet: the embedded (memory / SQLite) implementations stay the default.
 */

export interface RedisStateOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Prepended to every key, so several deployments can share one Redis (default `mfa:`). */
  readonly keyPrefix?: string;
  /** A command not answered within this is failed (default 1000 ms): a hung Redis must not hold logins. */
  readonly commandTimeoutMs?: number;
  /** Told of connection errors (the composition root logs them, rate-limited); never a secret in them. */
  readonly onError?: (err: Error) => void;
}

/** The Lua scripts, by name; each is run by EVALSHA (EVAL once after a Redis restart forgot it). */
export interface LuaScript {
  readonly name: string;
  /** How many KEYS it takes; `'any'`: as many as the call passes (all named in KEYS, as Redis asks). */
  readonly keys: number | 'any';
  readonly lua: string;
}

type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

export class RedisState {
  readonly prefix: string;
  private readonly trips = new Map<string, number>();
  private total = 0;
  private readonly defined = new Set<string>();
  private readonly extra: Redis[] = [];

  private constructor(
    readonly client: Redis,
    private readonly options: RedisStateOptions,
  ) {
    this.prefix = options.keyPrefix ?? 'mfa:';
  }

  /** Connects and waits until Redis answers; rejects with MFA_ERR_SHARED_STATE when it does not. */
  static async connect(options: RedisStateOptions): Promise<RedisState> {
    const client = new Redis(options.url, clientOptions(options));
    const state = new RedisState(client, options);
    client.on('error', (e: Error) => options.onError?.(e));
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw unavailable('connect', e);
    }
    return state;
  }

  /** Round trips made so far, in total and by operation (`challenge.issue`, `lockout.acquire`, …). */
  get roundTrips(): { readonly total: number; readonly byOp: ReadonlyMap<string, number> } {
    return { total: this.total, byOp: new Map(this.trips) };
  }

  /** True while the connection is up (a lost Redis reconnects by itself: ioredis retries forever). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** One round trip, counted under `op`; a Redis failure becomes AppError(MFA_ERR_SHARED_STATE). */
  async run<T>(op: string, fn: (r: Redis) => Promise<T>): Promise<T> {
    this.total++;
    this.trips.set(op, (this.trips.get(op) ?? 0) + 1);
    try {
      return await fn(this.client);
    } catch (e) {
      throw unavailable(op, e);
    }
  }

  /** Runs a Lua script in one round trip (all its keys change together, atomically). */
  script(
    op: string,
    s: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (!this.defined.has(s.name)) {
      this.client.defineCommand(
        s.name,
        s.keys === 'any' ? { lua: s.lua } : { numberOfKeys: s.keys, lua: s.lua },
      );
      this.defined.add(s.name);
    }
    const call = s.keys === 'any' ? [keys.length, ...keys, ...args] : [...keys, ...args];
    return this.run(op, (r) => (r as unknown as Record<string, ScriptRunner>)[s.name]!(...call));
  }

  /**
   * A second connection of its own (a subscriber cannot send other commands; a blocking pop would
   * hold the shared one). Closed with this one.
   */
  async duplicate(): Promise<Redis> {
    const c = this.client.duplicate(clientOptions(this.options));
    c.on('error', (e: Error) => this.options.onError?.(e));
    try {
      await c.connect();
    } catch (e) {
      // Not kept retrying in the background: the next caller asks for a fresh one.
      c.disconnect();
      throw unavailable('connect', e);
    }
    this.extra.push(c);
    return c;
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async close(): Promise<void> {
    for (const c of [this.client, ...this.extra]) {
      if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
  }
}

function clientOptions(o: RedisStateOptions): RedisOptions {
  return {
    lazyConnect: true,
    // Fail at once while disconnected instead of queueing: a login must be refused now, not hang
    // until the gateway gave up; the node comes back by itself when Redis does (retryStrategy).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: o.commandTimeoutMs ?? 1000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    // ioredis re-sends SUBSCRIBE on a reconnect: an out-of-band wait survives a Redis restart.
    autoResubscribe: true,
  };
}

function unavailable(op: string, cause: unknown): AppError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new AppError(
    ErrorCodes.SHARED_STATE,
    `shared state on Redis unavailable (${op}): ${why}`,
    { op },
    { cause },
  );
}
