import type { Socket } from 'node:net';
import { Client } from 'ldapts';
import type { Clock } from '../shared/clock.js';
import type { Result } from '../shared/result.js';
import { BindPool } from './bind-pool.js';
import {
  Conn,
  type LdapFailure,
  type LdapSession,
  message,
  runBind,
  toFailure,
  unavailable,
} from './ldap-client.js';
import { FreshSession, SharedSession } from './ldap-sessions.js';
import {
  type LdapEndpoint,
  type LdapTlsOptions,
  openSocket,
  parseLdapUrl,
  tlsConnectOptions,
  withTimeout,
} from './ldap-socket.js';

/** busy (51), unavailable (52): this server cannot serve now; another one may (RFC 4511 Appendix A.2). */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([51, 52]);

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

export class LdapConnections {
  private readonly endpoints: readonly LdapEndpoint[];
  private readonly downUntil = new Map<string, number>();
  private service: Conn | undefined;
  private serviceOpening: Promise<Conn | LdapFailure> | undefined;
  private readonly pool: BindPool<Conn>;
  private closed = false;
  /** A refused service bind, replayed without asking again until `until` (see refuseService). */
  private serviceRefusal: { failure: LdapFailure; until: number; backoffMs: number } | undefined;

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
    if (!(c instanceof Conn)) return c;
    if (this.closed) {
      c.destroy();
      return unavailable('directory closed');
    }
    this.service = c;
    return c;
  }

  /** Each server, in order, and until when it is skipped after a failure (the admin status page). */
  health(): Array<{ server: string; downUntil: number | undefined }> {
    const now = this.o.clock.now();
    return this.endpoints.map((e) => {
      const until = this.downUntil.get(e.url);
      return { server: e.url, downUntil: until !== undefined && until > now ? until : undefined };
    });
  }

  /** Skip this server for `serverRetryMs` (unless it is the only one left). */
  markDown(url: string): void {
    this.downUntil.set(url, this.o.clock.now() + this.o.serverRetryMs);
  }

  /** True while `url` failed recently and another server has not: its connections are retired. */
  private avoid(url: string): boolean {
    const now = this.o.clock.now();
    const down = (u: string): boolean => (this.downUntil.get(u) ?? 0) > now;
    return down(url) && this.endpoints.some((e) => e.url !== url && !down(e.url));
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
    if (asService && this.serviceRefusal && now < this.serviceRefusal.until)
      return this.serviceRefusal.failure;
    const up = this.endpoints.filter((e) => (this.downUntil.get(e.url) ?? 0) <= now);
    const order = up.length > 0 ? up : this.endpoints;
    let last = 'no server configured';
    for (const ep of order) {
      const r = await this.connectTo(ep, asService);
      if (r instanceof Conn) {
        this.downUntil.delete(ep.url);
        if (asService) this.serviceRefusal = undefined;
        return r;
      }
      // The server answered (wrong service password, TLS required…): a config problem, the same on
      // every replica. Not retried per login, so a typo cannot lock the service account in AD.
      if (r.kind === 'result' && !TRANSIENT_CODES.has(r.code)) return asService ? this.refuseService(r) : r;
      this.markDown(ep.url);
      last = `${ep.url}: ${r.message}`;
    }
    return unavailable(last);
  }

  /** Exponential back-off for a refused service bind: 1 min, doubling up to 1 h. */
  private refuseService(failure: LdapFailure): LdapFailure {
    const backoffMs = Math.min(3_600_000, (this.serviceRefusal?.backoffMs ?? 30_000) * 2);
    this.serviceRefusal = { failure, until: this.o.clock.now() + backoffMs, backoffMs };
    return failure;
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
    const conn = new Conn(client, ep.url, (url) => this.avoid(url));
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
