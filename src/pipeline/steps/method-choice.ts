import type { AccessRequest } from '../access-request.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { Factor, PolicyOutcome } from '../ports.js';
import type { Identity } from '../types.js';

/** The user's methods as this login may use them: enrolled at all, and usable here, in order. */
export interface Methods {
  /** Any method enrolled, allowed here or not (`unenrolled: allow` must not apply to those). */
  readonly anyEnrolled: boolean;
  /** Enrolled, allowed by the group's policy and the client, in the order they are offered. */
  readonly usable: readonly Factor[];
}

const EXEMPT: Methods = { anyEnrolled: false, usable: [] };

/**
 * The factor-choice step (issue 10 item 2): the group's `methods` decide which methods and in what
 * order (else the registry's order), the client's `methods` filter them, and the user's own default
 * goes first.
 */
export async function chooseMethods(
  deps: PipelineDeps,
  req: AccessRequest,
  identity: Identity,
  policy: PolicyOutcome,
): Promise<Methods> {
  // An exempt user is asked for nothing: no enrolment to look up (the hot path of service accounts).
  if (policy.mfa === 'exempt') return EXEMPT;
  const enrolled = await deps.factors.enrolled(identity);
  let usable = policy.methods
    ? policy.methods.flatMap((k) => enrolled.filter((f) => f.kind === k))
    : [...enrolled];
  const allowed = req.client.methods;
  if (allowed) usable = usable.filter((f) => allowed.includes(f.kind));
  // A preference only matters between two methods: one look-up fewer for most logins.
  if (usable.length < 2) return { anyEnrolled: enrolled.length > 0, usable };
  const preferred = await deps.methodPrefs?.defaultFor(identity.id);
  const i = usable.findIndex((f) => f.kind === preferred);
  if (i > 0) usable = [usable[i]!, ...usable.slice(0, i), ...usable.slice(i + 1)];
  return { anyEnrolled: enrolled.length > 0, usable };
}

/** The word that picks a method (`mfa.method_keywords`). */
export function keywordOf(deps: PipelineDeps, kind: string): string | undefined {
  return deps.options.methodKeywords?.[kind];
}

/** Which of `others` the user may switch to by keyword, and the text that offers them. */
export function offerFor(deps: PipelineDeps, others: readonly Factor[]): { kinds: string[]; text: string } {
  const kinds = others.map((f) => f.kind).filter((k) => keywordOf(deps, k) !== undefined);
  if (kinds.length === 0 || !deps.options.offerText) return { kinds: [], text: '' };
  const words = kinds.map((k) => keywordOf(deps, k)!).join(' or ');
  return { kinds, text: deps.options.offerText.replaceAll('{keywords}', words) };
}
