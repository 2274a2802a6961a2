import { type ReasonCode, Reasons } from '../pipeline/reasons.js';
import type { Identity } from '../pipeline/types.js';
import type { TraceRecorder } from './directory-trace.js';
import type { GroupResolver } from './group-resolver.js';
import type { LdapEntry, LdapSession } from './ldap-client.js';
import { userFilter } from './ldap-filter.js';
import type { LdapSettings } from './ldap-settings.js';
import { canonicalId, parseLoginName, type LoginNameRules } from './login-name.js';

export type FindUser =
  | { readonly kind: 'found'; readonly entry: LdapEntry; readonly identity: Identity }
  | { readonly kind: 'fail'; readonly reason: ReasonCode; readonly detail: string };

/** Attributes read from the user entry: the identity's fields plus a few that help the trace. */
export function userAttributes(s: LdapSettings): string[] {
  const names = [
    s.idAttribute,
    s.displayNameAttribute,
    'cn',
    s.attributes.mobile,
    s.attributes.phone,
    s.attributes.mail,
    'memberOf',
    ...(s.flavour === 'ad' ? ['userPrincipalName', 'userAccountControl'] : []),
  ];
  return [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
}

/** Parses the login name, searches it as the service account, and builds the identity (no groups yet). */
/** How login names are read for these settings: `DOMAIN\\user` for AD or when login domains are set. */
export function loginRules(s: LdapSettings): LoginNameRules {
  return {
    downLevel: s.flavour === 'ad' || s.loginDomains.length > 0,
    loginDomains: s.loginDomains,
    upnSuffixes: s.upnSuffixes,
  };
}

export async function findUser(
  session: LdapSession,
  s: LdapSettings,
  userName: string,
  rec?: TraceRecorder,
): Promise<FindUser> {
  const parsed = parseLoginName(userName, loginRules(s));
  if (!parsed.ok) {
    rec?.step('parse', false, parsed.why);
    return { kind: 'fail', reason: Reasons.NO_SUCH_USER, detail: parsed.why };
  }
  if (rec) rec.data.login = parsed.value;
  rec?.step('parse', true, `${parsed.value.form}: user=${JSON.stringify(parsed.value.user)}`);

  const filter = userFilter(s.userFilter, parsed.value);
  if (rec) rec.data.filter = filter;
  // sizeLimit 2: one entry is a match, two are an ambiguity we refuse; no need to read more.
  const r = await session.search({
    base: s.baseDn,
    scope: 'sub',
    filter,
    attributes: userAttributes(s),
    sizeLimit: 2,
  });
  if (rec && session.server !== undefined) rec.data.server = session.server;
  if (!r.ok) {
    rec?.step('search', false, r.error.message);
    return { kind: 'fail', reason: Reasons.DIRECTORY_UNAVAILABLE, detail: r.error.message };
  }
  const entries = r.value;
  if (rec) rec.data.entries = entries.length;
  if (entries.length !== 1) {
    const detail =
      entries.length === 0 ? 'no entry matches' : 'more than one entry matches (ambiguous login)';
    rec?.step('search', false, detail);
    return { kind: 'fail', reason: Reasons.NO_SUCH_USER, detail };
  }
  const entry = entries[0] as LdapEntry;
  if (rec) {
    rec.data.dn = entry.dn;
    rec.data.attributes = Object.fromEntries(entry.attrs);
  }
  const idValue = first(entry, s.idAttribute);
  if (idValue === undefined || idValue === '') {
    const detail = `entry ${entry.dn} has no ${s.idAttribute}`;
    rec?.step('search', false, detail);
    return { kind: 'fail', reason: Reasons.NO_SUCH_USER, detail };
  }
  rec?.step('search', true, entry.dn);
  return { kind: 'found', entry, identity: identityFrom(entry, s, userName, idValue, session.server) };
}

/** Adds the nested groups (from cache or directory) to a found identity. */
export async function addGroups(
  session: LdapSession,
  resolver: GroupResolver,
  s: LdapSettings,
  found: { readonly entry: LdapEntry; readonly identity: Identity },
  rec?: TraceRecorder,
): Promise<
  { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly detail: string }
> {
  const r = await resolver.resolve(session, found.entry.dn, found.entry.attrs.get('memberof') ?? []);
  if (!r.ok) {
    rec?.step('groups', false, r.error.message);
    return { ok: false, detail: r.error.message };
  }
  const g = r.value;
  if (rec) rec.data.groups = { strategy: s.groupStrategy, ...g };
  rec?.step(
    'groups',
    true,
    `${g.names.length} group(s)${g.fromCache ? ' (cached)' : ''}${g.truncated ? ', cut at max_depth' : ''}`,
  );
  const identity: Identity = {
    ...found.identity,
    groups: g.names,
    details: { ...found.identity.details, groupDns: g.dns },
  };
  return { ok: true, identity };
}

function identityFrom(
  e: LdapEntry,
  s: LdapSettings,
  loginName: string,
  idValue: string,
  server?: string,
): Identity {
  const displayName = first(e, s.displayNameAttribute) ?? first(e, 'cn');
  const mobile = first(e, s.attributes.mobile);
  const phone = first(e, s.attributes.phone);
  const mail = first(e, s.attributes.mail);
  return {
    id: canonicalId(idValue),
    loginName,
    ...(displayName !== undefined ? { displayName } : {}),
    ...(mobile !== undefined ? { mobile } : {}),
    ...(phone !== undefined ? { phone } : {}),
    ...(mail !== undefined ? { mail } : {}),
    details: { dn: e.dn, ...(server !== undefined ? { server } : {}) },
  };
}

function first(e: LdapEntry, attr: string): string | undefined {
  return e.attrs.get(attr.toLowerCase())?.[0];
}
