/**
 * Values the schema names but the running code cannot honour yet. They are refused with the reason
 * instead of being accepted and quietly behaving like something else (issue 9, item 6:
 * `unenrolled: enroll` used to act as `reject` in policy and was an opaque enum error in `mfa`).
 */

export interface UnavailableOption {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const ENROLL_REASON =
  '"enroll" is not available yet: enrolment over RADIUS needs the web portal, not built yet; use reject or allow';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Looks at the raw YAML value (before the schema) so the message is the reason, not an enum list. */
export function unavailableOptions(raw: unknown): UnavailableOption[] {
  const found: UnavailableOption[] = [];
  if (!isObject(raw)) return found;
  const mfa = raw.mfa;
  if (isObject(mfa) && mfa.unenrolled === 'enroll')
    found.push({ path: ['mfa', 'unenrolled'], message: ENROLL_REASON });
  const policy = raw.policy;
  if (!isObject(policy)) return found;
  if (isObject(policy.default) && policy.default.unenrolled === 'enroll')
    found.push({ path: ['policy', 'default', 'unenrolled'], message: ENROLL_REASON });
  if (Array.isArray(policy.rules)) {
    policy.rules.forEach((rule: unknown, i) => {
      if (isObject(rule) && rule.unenrolled === 'enroll')
        found.push({ path: ['policy', 'rules', i, 'unenrolled'], message: ENROLL_REASON });
    });
  }
  return found;
}
