import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import { dnKey, firstRdnValue } from './dn-names.js';
import type { GroupCache, ResolvedGroups } from './group-cache.js';
import type { LdapFailure, LdapSession } from './ldap-client.js';
import { directMemberFilter, inChainFilter } from './ldap-filter.js';

export interface GroupResolverOptions {
  /** in_chain: AD's transitive rule, one query. member: walk `member` upwards, one query per level.
   *  memberof: walk `memberOf` upwards, one base read per group. */
  readonly strategy: 'in_chain' | 'member' | 'memberof';
  readonly baseDn: string;
  readonly objectFilter: string;
  readonly memberAttribute: string;
  readonly maxDepth: number;
}

/** DNs per `(|(member=…)…)` query: keeps filters well below server request-size limits. */
const OR_CHUNK = 50;
/** "no attributes, just the DN" (RFC 4511 §4.5.1.8). */
const NO_ATTRS = ['1.1'];

/**
 * The user's groups with nesting resolved. Loops (A ∋ B ∋ A) are cut by the visited set, depth is
 * bounded by max_depth, and the result is cached per user DN.
 */
export class GroupResolver {
  constructor(
    private readonly o: GroupResolverOptions,
    private readonly cache: GroupCache,
  ) {}

  async resolve(
    session: LdapSession,
    userDn: string,
    directMemberOf: readonly string[],
  ): Promise<Result<ResolvedGroups & { readonly fromCache: boolean }, LdapFailure>> {
    const key = dnKey(userDn);
    const cached = this.cache.get(key);
    if (cached) return ok({ ...cached, fromCache: true });
    const r =
      this.o.strategy === 'in_chain'
        ? await this.inChain(session, userDn)
        : this.o.strategy === 'member'
          ? await this.walkMember(session, userDn)
          : await this.walkMemberOf(session, userDn, directMemberOf);
    if (!r.ok) return r;
    this.cache.set(key, r.value);
    return ok({ ...r.value, fromCache: false });
  }

  private async inChain(session: LdapSession, userDn: string): Promise<Result<ResolvedGroups, LdapFailure>> {
    const filter = inChainFilter(this.o.objectFilter, this.o.memberAttribute, userDn);
    const r = await session.search({ base: this.o.baseDn, scope: 'sub', filter, attributes: NO_ATTRS });
    if (!r.ok) return r;
    const acc = new Accumulator(userDn);
    for (const e of r.value) acc.add(e.dn);
    return ok(acc.result([filter], false));
  }

  private async walkMember(
    session: LdapSession,
    userDn: string,
  ): Promise<Result<ResolvedGroups, LdapFailure>> {
    const acc = new Accumulator(userDn);
    const queries: string[] = [];
    let frontier = [userDn];
    for (let depth = 0; frontier.length > 0 && depth < this.o.maxDepth; depth++) {
      const next: string[] = [];
      for (let i = 0; i < frontier.length; i += OR_CHUNK) {
        const filter = directMemberFilter(
          this.o.objectFilter,
          this.o.memberAttribute,
          frontier.slice(i, i + OR_CHUNK),
        );
        queries.push(filter);
        const r = await session.search({ base: this.o.baseDn, scope: 'sub', filter, attributes: NO_ATTRS });
        if (!r.ok) return r;
        for (const e of r.value) if (acc.add(e.dn)) next.push(e.dn);
      }
      frontier = next;
    }
    return ok(acc.result(queries, frontier.length > 0));
  }

  private async walkMemberOf(
    session: LdapSession,
    userDn: string,
    direct: readonly string[],
  ): Promise<Result<ResolvedGroups, LdapFailure>> {
    const acc = new Accumulator(userDn);
    const queries: string[] = [];
    let frontier = direct.filter((dn) => acc.add(dn));
    for (let depth = 1; frontier.length > 0 && depth < this.o.maxDepth; depth++) {
      const reads = await Promise.all(
        frontier.map((dn) => {
          queries.push(`base ${dn} memberOf`);
          return session.search({
            base: dn,
            scope: 'base',
            filter: '(objectClass=*)',
            attributes: ['memberOf'],
          });
        }),
      );
      const next: string[] = [];
      for (const r of reads) {
        if (!r.ok) {
          if (r.error.kind === 'result' && r.error.code === NO_SUCH_OBJECT) continue; // dangling memberOf
          return err(r.error);
        }
        for (const e of r.value)
          for (const dn of e.attrs.get('memberof') ?? []) if (acc.add(dn)) next.push(dn);
      }
      frontier = next;
    }
    return ok(acc.result(queries, frontier.length > 0));
  }
}

/** RFC 4511 Appendix A.2 noSuchObject. */
const NO_SUCH_OBJECT = 32;

class Accumulator {
  private readonly seen = new Set<string>();
  private readonly dns: string[] = [];
  constructor(userDn: string) {
    this.seen.add(dnKey(userDn)); // a loop back to the user is not a group
  }
  /** True if `dn` is new. */
  add(dn: string): boolean {
    const k = dnKey(dn);
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    this.dns.push(dn);
    return true;
  }
  result(queries: readonly string[], truncated: boolean): ResolvedGroups {
    const names: string[] = [];
    const seenNames = new Set<string>();
    for (const dn of this.dns) {
      const n = firstRdnValue(dn);
      if (!seenNames.has(n.toLowerCase())) {
        seenNames.add(n.toLowerCase());
        names.push(n);
      }
    }
    return { dns: [...this.dns], names, queries, truncated };
  }
}
