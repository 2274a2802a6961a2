/**
 * Login-name spellings → the values substituted into the user filter. The identity id itself comes
 * from the directory entry found (lower-cased sAMAccountName / uid), never from the typed name, so
 * `alice`, `EXAMPLE\alice` and `alice@example.com` all land on the same enrolment, lockout and audit key.
 */

export interface LoginNameRules {
  /** Parse `DOMAIN\user` (AD). When false a backslash is just a character of the name. */
  readonly downLevel: boolean;
  /** Accepted NetBIOS domains (case-insensitive); empty = accept any. */
  readonly loginDomains: readonly string[];
  /** `user@suffix` with one of these suffixes: the local part is the account name. */
  readonly upnSuffixes: readonly string[];
}

export type LoginForm = 'plain' | 'down_level' | 'upn';

export interface ParsedLogin {
  readonly form: LoginForm;
  /** For {user}: the account name without domain. */
  readonly user: string;
  /** For {upn}: the user principal name as typed (or the plain name). */
  readonly upn: string;
  /** For {login}: exactly as typed. */
  readonly login: string;
  readonly domain?: string;
}

export type LoginParse =
  | { readonly ok: true; readonly value: ParsedLogin }
  | { readonly ok: false; readonly why: string };

/** RADIUS User-Name is at most 253 octets (RFC 2865 §5.1); anything longer is not a login. */
const MAX_LOGIN_CHARS = 253;

export function parseLoginName(raw: string, rules: LoginNameRules): LoginParse {
  if (raw.length === 0) return { ok: false, why: 'empty user name' };
  if (raw.length > MAX_LOGIN_CHARS) return { ok: false, why: 'user name too long' };

  const slash = rules.downLevel ? raw.indexOf('\\') : -1;
  if (slash >= 0) {
    const domain = raw.slice(0, slash);
    const user = raw.slice(slash + 1);
    if (domain.length === 0 || user.length === 0) return { ok: false, why: 'malformed DOMAIN\\user' };
    if (rules.loginDomains.length > 0 && !includesFolded(rules.loginDomains, domain)) {
      // Another domain's `alice` is another person: never strip a domain we were not told about.
      return { ok: false, why: `domain "${domain}" is not in login_domains` };
    }
    return { ok: true, value: { form: 'down_level', user, upn: user, login: raw, domain } };
  }

  const at = raw.lastIndexOf('@');
  if (at > 0 && at < raw.length - 1) {
    const suffix = raw.slice(at + 1);
    // Only a configured suffix maps the local part to the account name; otherwise the whole
    // string must match a userPrincipalName (or the filter's own attribute) as typed.
    const user = includesFolded(rules.upnSuffixes, suffix) ? raw.slice(0, at) : raw;
    return { ok: true, value: { form: 'upn', user, upn: raw, login: raw, domain: suffix } };
  }

  return { ok: true, value: { form: 'plain', user: raw, upn: raw, login: raw } };
}

/** The canonical identity id for a directory value: NFC, lower case (locale-independent). */
export function canonicalId(value: string): string {
  return value.normalize('NFC').toLowerCase();
}

function includesFolded(list: readonly string[], value: string): boolean {
  const v = value.toLowerCase();
  return list.some((x) => x.toLowerCase() === v);
}
