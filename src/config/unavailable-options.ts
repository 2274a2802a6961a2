/**
 * Values that the schema accepts but that cannot work with the rest of the file as written. They
 * are refused with the reason, at the key's own line, instead of being accepted and quietly
 * behaving like something else (issue 9, item 6). `unenrolled: enroll` (issue 11) sends users to
 * the portal, so it needs the HTTPS listener with the `public_url` that the Reply-Message names.
 */

export interface UnavailableOption {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why `enroll` cannot work with this file, or undefined when it can. */
function enrollProblem(raw: Record<string, unknown>): string | undefined {
  const http = raw.http;
  if (!isObject(http))
    return '"enroll" sends users to the self-service portal, which needs the HTTPS listener: add http: with listen and public_url (README, "Self-service portal"), or use reject or allow';
  if (typeof http.public_url !== 'string' || http.public_url === '')
    return '"enroll" names the portal in the Reply-Message at http.public_url + /portal/: set http.public_url (the https:// URL users reach the listener at), or use reject or allow';
  const portal = raw.portal;
  if (isObject(portal) && portal.enabled === false)
    return '"enroll" sends users to the self-service portal, but portal.enabled is false: enable the portal, or use reject or allow';
  return undefined;
}

/** Looks at the raw YAML value (before the schema) so the message is the reason, at the key's line. */
export function unavailableOptions(raw: unknown): UnavailableOption[] {
  if (!isObject(raw)) return [];
  const paths: Array<readonly (string | number)[]> = [];
  const mfa = raw.mfa;
  if (isObject(mfa) && mfa.unenrolled === 'enroll') paths.push(['mfa', 'unenrolled']);
  const policy = raw.policy;
  if (isObject(policy)) {
    if (isObject(policy.default) && policy.default.unenrolled === 'enroll')
      paths.push(['policy', 'default', 'unenrolled']);
    if (Array.isArray(policy.rules))
      policy.rules.forEach((rule: unknown, i) => {
        if (isObject(rule) && rule.unenrolled === 'enroll') paths.push(['policy', 'rules', i, 'unenrolled']);
      });
  }
  if (paths.length === 0) return [];
  const message = enrollProblem(raw);
  return message === undefined ? [] : paths.map((path) => ({ path, message }));
}
