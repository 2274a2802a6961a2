import { err, type Result } from '../shared/result.js';
import {
  Conn,
  type LdapEntry,
  type LdapFailure,
  type LdapSearch,
  type LdapSession,
  runBind,
  runSearch,
  unavailable,
} from './ldap-client.js';
import type { LdapConnections } from './ldap-connection.js';

/** Reuse mode: searches share the service connection; the user bind borrows a pooled connection. */
export class SharedSession implements LdapSession {
  server: string | undefined;
  constructor(private readonly m: LdapConnections) {}

  async search(req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>> {
    // A search is idempotent: if the reused connection broke under it, retry once on a new one
    // (another server first). Not after a timeout: that would double the wait on a hung server.
    for (let attempt = 0; ; attempt++) {
      const c = await this.m.serviceConn();
      if (!(c instanceof Conn)) return err(c);
      this.server = c.server;
      const r = await runSearch(c.client, req);
      if (r.ok || r.error.kind === 'result') return r;
      c.destroy();
      this.m.markDown(c.server);
      if (attempt > 0 || /timed out/i.test(r.error.message)) return r;
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
export class FreshSession implements LdapSession {
  server: string | undefined;
  private conn: Conn | undefined;
  private boundAsUser = false;
  constructor(private readonly m: LdapConnections) {}

  private async get(): Promise<Conn | LdapFailure> {
    if (this.conn?.alive) return this.conn;
    this.conn?.destroy();
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
