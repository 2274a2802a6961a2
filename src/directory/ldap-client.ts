import { type Client, type Entry, ResultCodeError } from 'ldapts';
import { err, ok, type Result } from '../shared/result.js';

/**
 * The thin layer over ldapts: one Client on a socket we opened, and every outcome as a Result —
 * a server's result code (`result`) or "could not talk to it" (`unavailable`). No retries here.
 */

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
export class Conn {
  constructor(
    readonly client: Client,
    readonly server: string,
    private readonly avoid: (url: string) => boolean,
  ) {}
  /** Connected, and not on a server that failed recently while another one is available. */
  get alive(): boolean {
    return this.client.isConnected && !this.avoid(this.server);
  }
  destroy(): void {
    void this.client.unbind().catch(() => {});
  }
}

export async function runSearch(client: Client, req: LdapSearch): Promise<Result<LdapEntry[], LdapFailure>> {
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

export async function runBind(
  client: Client,
  dn: string,
  password: string,
): Promise<Result<void, LdapFailure>> {
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

export function toFailure(e: unknown): LdapFailure {
  if (e instanceof ResultCodeError) return { kind: 'result', code: e.code, message: e.message };
  return unavailable(message(e));
}

export function unavailable(msg: string): LdapFailure {
  return { kind: 'unavailable', message: msg };
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
