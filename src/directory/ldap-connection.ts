import type { Socket } from 'node:net';
import { Client, type Entry, ResultCodeError } from 'ldapts';
import type { Clock } from '../shared/clock.js';
import { err, ok, type Result } from '../shared/result.js';
import { BindPool } from './bind-pool.js';
import {
  type LdapEndpoint,
  type LdapTlsOptions,
  openSocket,
  parseLdapUrl,
  tlsConnectOptions,
  withTimeout,
} from './ldap-socket.js';

/** A failed LDAP operation: the server said no (`result`), or we could not talk to it (`unavailable`). */
export type LdapFailure =
  | { readonly kind: 'unavailable'; readonly message: string }
  | { readonly kind: 'result'; readonly code: number; readonly message: string };

/** A search entry with attribute names lower-cased and every value a string. */
export interface LdapEntry {
  readonly dn: string;
  readonly attrs: ReadonlyMap<string, readonly string[]>;
}

export interface LdapSearch {
  readonly base: string;
  readonly filter: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly attributes: readonly string[];
  readonly sizeLimit?: number;
}

export interface LdapConnectionOptions {
  readonly servers: readonly string[];
  readonly startTls: boolean;
  readonly tls: LdapTlsOptions;
  readonly timeoutMs: number;
  readonly serverRetryMs: number;
  readonly bindDn: string;
  readonly bindPassword: string;
  /** true: one service connection for all searches, a pool for user binds. false: new connections per session. */
  readonly reuse: boolean;
  readonly bindPoolSize: number;
  readonly clock: Clock;
}

/** One login's view of the directory: searches as the service account, one user bind. */
export interface LdapSession {
  search(req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>>;
  /** Exactly one simple bind request as `dn`; never retried, whatever happens. */
  bindUser(dn: string, password: string): Promise<Result<void, LdapFailure>>;
  /** The server that answered last (for the trace and logs). */
  readonly server: string | undefined;
  release(): Promise<void>;
}

/** An ldapts Client on a socket we opened, which never reconnects on its own. */
class Conn {
  constructor(
    readonly client: Client,
    readonly server: string,
  ) {}
  get alive(): boolean {
    return this.client.isConnected;
  }
  destroy(): void {
    void this.client.unbind().catch(() => {});
  }
}

export class LdapConnections {
  private readonly endpoints: readonly LdapEndpoint[];
  private readonly downUntil = new Map<string, number>();
  private service: Conn | undefined;
  private serviceOpening: Promise<Conn | LdapFailure> | undefined;
  private readonly pool: BindPool<Conn>;
  private closed = false;

  constructor(private readonly o: LdapConnectionOptions) {
    this.endpoints = o.servers.map(parseLdapUrl);
    this.pool = new BindPool<Conn>(o.bindPoolSize, async () => {
      const c = await this.connect(false);
      return c instanceof Conn ? c : new Error(c.message);
    });
  }

  session(): LdapSession {
    return this.o.reuse ? new SharedSession(this) : new FreshSession(this);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
    const s = this.service;
    this.service = undefined;
    if (s) await s.client.unbind().catch(() => {});
  }

  /** The reused service connection, opened (single-flight) when missing or dead. */
  async serviceConn(): Promise<Conn | LdapFailure> {
    if (this.service?.alive) return this.service;
    this.service?.destroy();
    this.service = undefined;
    this.serviceOpening ??= this.connect(true).finally(() => {
      this.serviceOpening = undefined;
    });
    const c = await this.serviceOpening;
    if (c instanceof Conn && !this.closed) this.service = c;
    return c;
  }

  /** No-reuse mode: back to the service identity after a user bind on the same connection. */
  rebindService(c: Conn): Promise<Result<void, LdapFailure>> {
    return runBind(c.client, this.o.bindDn, this.o.bindPassword);
  }

  acquireBindConn(): Promise<Conn | Error | null> {
    return this.pool.acquire(this.o.timeoutMs);
  }

  releaseBindConn(c: Conn): void {
    this.pool.release(c);
  }

  /**
   * Connects to the first server that answers, in configured order, skipping servers that failed
   * within `serverRetryMs` unless none is left. TCP/TLS setup comes first, so a dead server costs
   * nothing but time; StartTLS is done before any bind (RFC 4513 §3.1.1).
   */
  async connect(asService: boolean): Promise<Conn | LdapFailure> {
    if (this.closed) return unavailable('directory closed');
    const now = this.o.clock.now();
    const up = this.endpoints.filter((e) => (this.downUntil.get(e.url) ?? 0) <= now);
    const order = up.length > 0 ? up : this.endpoints;
    let last = 'no server configured';
    for (const ep of order) {
      const r = await this.connectTo(ep, asService);
      if (r instanceof Conn) {
        this.downUntil.delete(ep.url);
        return r;
      }
      if (r.kind === 'result') return r; // the server answered: a config problem, the same on every replica
      this.downUntil.set(ep.url, this.o.clock.now() + this.o.serverRetryMs);
      last = `${ep.url}: ${r.message}`;
    }
    return unavailable(last);
  }

  private async connectTo(ep: LdapEndpoint, asService: boolean): Promise<Conn | LdapFailure> {
    let socket: Socket;
    try {
      socket = await openSocket(ep, this.o.tls, this.o.timeoutMs);
    } catch (e) {
      return unavailable(message(e));
    }
    let handedOut = false;
    const client = new Client({
      // The socket is already TLS for ldaps://; ldapts only ever sees an open stream.
      url: `ldap://${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`,
      timeout: this.o.timeoutMs,
      connectTimeout: this.o.timeoutMs,
      // One-shot: ldapts would silently reconnect in clear text, without StartTLS and without the
      // service bind. Refusing makes a lost connection an error we handle (reconnect + failover).
      createConnection: () => {
        if (handedOut) throw new Error('connection lost');
        handedOut = true;
        return socket;
      },
    });
    const conn = new Conn(client, ep.url);
    const kill = (): void => {
      socket.destroy();
      conn.destroy();
    };
    try {
      if (this.o.startTls) {
        // RFC 4511 §4.14 StartTLS; RFC 4513 §3.1.3 name check via tls options (host / servername).
        await withTimeout(
          client.startTLS(tlsConnectOptions(ep, this.o.tls)),
          this.o.timeoutMs,
          'StartTLS',
          kill,
        );
      }
      if (asService) await client.bind(this.o.bindDn, this.o.bindPassword);
      return conn;
    } catch (e) {
      kill();
      return toFailure(e);
    }
  }
}

/** Reuse mode: searches share the service connection; the user bind borrows a pooled connection. */
class SharedSession implements LdapSession {
  server: string | undefined;
  constructor(private readonly m: LdapConnections) {}

  async search(req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>> {
    // A search is idempotent: if the reused connection turns out to be dead, retry once on a new one.
    for (let attempt = 0; ; attempt++) {
      const c = await this.m.serviceConn();
      if (!(c instanceof Conn)) return err(c);
      this.server = c.server;
      const r = await runSearch(c.client, req);
      if (r.ok || r.error.kind === 'result' || attempt > 0) return r;
      c.destroy();
    }
  }

  async bindUser(dn: string, password: string): Promise<Result<void, LdapFailure>> {
    const c = await this.m.acquireBindConn();
    if (c === null) return err(unavailable('no bind connection free'));
    if (c instanceof Error) return err(unavailable(c.message));
    this.server = c.server;
    const r = await runBind(c.client, dn, password);
    this.m.releaseBindConn(c); // a failed bind leaves the connection usable (and anonymous)
    return r;
  }

  async release(): Promise<void> {}
}

/** No-reuse mode: one new connection per session, service-bound for searches, closed at the end. */
class FreshSession implements LdapSession {
  server: string | undefined;
  private conn: Conn | undefined;
  private boundAsUser = false;
  constructor(private readonly m: LdapConnections) {}

  private async get(): Promise<Conn | LdapFailure> {
    if (this.conn?.alive) return this.conn;
    const c = await this.m.connect(true);
    if (c instanceof Conn) {
      this.conn = c;
      this.server = c.server;
      this.boundAsUser = false;
    }
    return c;
  }

  async search(req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>> {
    const c = await this.get();
    if (!(c instanceof Conn)) return err(c);
    if (this.boundAsUser) {
      const back = await this.m.rebindService(c);
      if (!back.ok) return back;
      this.boundAsUser = false;
    }
    return runSearch(c.client, req);
  }

  async bindUser(dn: string, password: string): Promise<Result<void, LdapFailure>> {
    const c = await this.get();
    if (!(c instanceof Conn)) return err(c);
    this.boundAsUser = true;
    return runBind(c.client, dn, password);
  }

  async release(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (c) await c.client.unbind().catch(() => {});
  }
}

async function runSearch(client: Client, req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>> {
  try {
    const res = await client.search(req.base, {
      scope: req.scope,
      filter: req.filter,
      attributes: [...req.attributes],
      ...(req.sizeLimit !== undefined ? { sizeLimit: req.sizeLimit } : {}),
    });
    return ok(res.searchEntries.map(toEntry));
  } catch (e) {
    return err(toFailure(e));
  }
}

async function runBind(client: Client, dn: string, password: string): Promise<Result<void, LdapFailure>> {
  try {
    await client.bind(dn, password);
    return ok(undefined);
  } catch (e) {
    return err(toFailure(e));
  }
}

function toEntry(e: Entry): LdapEntry {
  const attrs = new Map<string, string[]>();
  for (const [k, v] of Object.entries(e)) {
    if (k === 'dn') continue;
    const values = (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
    attrs.set(k.toLowerCase(), [...(attrs.get(k.toLowerCase()) ?? []), ...values]);
  }
  return { dn: e.dn, attrs };
}

function toFailure(e: unknown): LdapFailure {
  if (e instanceof ResultCodeError) return { kind: 'result', code: e.code, message: e.message };
  return unavailable(message(e));
}

function unavailable(msg: string): LdapFailure {
  return { kind: 'unavailable', message: msg };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
