import type { AccessRequest } from '../access-request.js';
import type { Attempt } from '../attempt.js';
import { splitConcat } from '../concat.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { Factor, PolicyOutcome, StepContext } from '../ports.js';
import { type ReasonCode, Reasons } from '../reasons.js';
import type { Decision, Identity, Prepared, ReplyAttribute } from '../types.js';
import { chooseMethods, keywordOf, type Methods } from './method-choice.js';

/** A code typed after the password (concat), with the factors that may verify it. */
export interface TypedCode {
  readonly value: string;
  readonly factors: readonly Factor[];
}

export type PrimaryStepResult =
  | {
      readonly kind: 'ok';
      readonly identity: Identity;
      readonly attributes: readonly ReplyAttribute[];
      readonly policy: PolicyOutcome;
      readonly methods: Methods;
      readonly code: TypedCode | undefined;
      /** A method the user picked by keyword after the password (`Secret123,sms`). */
      readonly requested: Factor | undefined;
      /** challenge | concat | auto:concat | auto:challenge | upstream-answer */
      readonly mode: string;
      /** The part of the field the directory checked (for the auth-result cache's digest only). */
      readonly checked: Buffer;
    }
  | {
      readonly kind: 'upstream_challenge';
      readonly identityId: string;
      readonly upstreamState: Buffer;
      readonly prompt: string;
      readonly attributes: readonly ReplyAttribute[];
      readonly mode: string;
    }
  | { readonly kind: 'done'; readonly decision: Decision; readonly mode: string; readonly rule?: string };

export interface PrimaryInput {
  readonly req: AccessRequest;
  /** The User-Password as typed. */
  readonly field: Buffer;
  /** Answering the upstream's own Access-Challenge: the field is that answer, never split. */
  readonly upstreamState?: Buffer;
  readonly identityId: string;
  readonly ctx: StepContext;
  readonly attempt: Attempt;
}

/** Failures that are not the user's: they never count towards the lockout (the portal's sign-in too). */
export const NOT_COUNTED: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  Reasons.DIRECTORY_UNAVAILABLE,
  Reasons.UPSTREAM_TIMEOUT,
  // An unknown name has no account to protect, and counting it would let a spray of random names
  // cost a durable write each.
  Reasons.NO_SUCH_USER,
  Reasons.USER_LOCKED_OUT,
  // The upstream's fault or the gateway's, never the user's (issue 9 items 2 and 10).
  Reasons.UPSTREAM_REQUEST_TOO_LARGE,
  Reasons.UPSTREAM_UNSIGNED,
]);

/**
 * The one primary step, for a first request and for an answer to an upstream Access-Challenge
 * alike: gate, then the directory's single password check, with the split of the typed field
 * decided once the directory knows who it is (`prepare`), then the lockout bookkeeping.
 */
export async function primaryStep(deps: PipelineDeps, input: PrimaryInput): Promise<PrimaryStepResult> {
  const { req, field, ctx, attempt } = input;
  const answering = input.upstreamState !== undefined;
  const clientMode = req.client.mfaMode;
  let mode: string = answering ? 'upstream-answer' : clientMode;
  const reject = (reason: ReasonCode, identityId: string, rule?: string): PrimaryStepResult => ({
    kind: 'done',
    decision: { kind: 'reject', reason, identityId, replyMessage: deps.rejectMessages?.[reason] },
    mode,
    rule,
  });
  if (!(await attempt.admit(input.identityId))) return reject(Reasons.USER_LOCKED_OUT, input.identityId);

  let prepared:
    | { identity: Identity; policy: PolicyOutcome; methods: Methods; code?: TypedCode; requested?: Factor }
    | undefined;
  let checked: Buffer = field;
  const prepare = async (identity: Identity): Promise<Prepared> => {
    // A directory may resolve an alias to another identity: that one is gated too, before the check.
    if (!(await attempt.admit(identity.id))) return { kind: 'stop', reason: Reasons.USER_LOCKED_OUT };
    const policy = deps.policy.evaluate(identity);
    const methods = await chooseMethods(deps, req, identity, policy);
    const choice = answering
      ? { password: field, mode }
      : await choosePassword(deps, req, field, {
          policy,
          enrolled: methods.usable,
          identityId: identity.id,
          ctx,
        });
    mode = choice.mode;
    prepared = { identity, policy, methods, code: choice.code, requested: choice.requested };
    checked = choice.password;
    return { kind: 'check', password: choice.password };
  };

  const result = await deps.primary.authenticate({
    userName: req.userName,
    prepare,
    requestAttributes: req.attributes,
    correlationId: req.correlationId,
    deadline: ctx.deadline,
    signal: ctx.signal,
    ...(input.upstreamState ? { upstreamState: input.upstreamState } : {}),
  });

  if (result.kind === 'fail') {
    const id = result.identityId ?? prepared?.identity.id ?? input.identityId;
    if (!NOT_COUNTED.has(result.reason)) {
      await deps.lockout.recordFailure(id);
      await deps.authCache?.forget(id);
    }
    return reject(result.reason, id);
  }
  if (result.kind === 'challenge') {
    // The upstream asks its own question first: relayed, and its answer comes back through here.
    return {
      kind: 'upstream_challenge',
      identityId: prepared?.identity.id ?? input.identityId,
      upstreamState: result.upstreamState,
      prompt: result.prompt,
      attributes: result.attributes,
      mode,
    };
  }
  // The identity after the check may carry more than the one prepared (an upstream's details).
  const same = prepared !== undefined && prepared.identity.id === result.identity.id;
  // The policy reads the name, the groups and the exempt flag: when the check changed none of them
  // (an upstream adds only where it answered from), the decision made in prepare stands.
  const policy =
    same && samePolicyInput(prepared!.identity, result.identity)
      ? prepared!.policy
      : deps.policy.evaluate(result.identity);
  if (!policy.allowed) return reject(Reasons.NOT_IN_ALLOWED_GROUP, result.identity.id, policy.rule);
  const methods = same ? prepared!.methods : await chooseMethods(deps, req, result.identity, policy);
  return {
    kind: 'ok',
    identity: result.identity,
    attributes: result.attributes,
    policy,
    methods,
    code: same ? prepared!.code : undefined,
    requested: same ? prepared!.requested : undefined,
    mode,
    checked,
  };
}

/** Whether two identities give the same policy decision (what GroupPolicy and its templates read). */
function samePolicyInput(a: Identity, b: Identity): boolean {
  if (a === b) return true;
  return (
    a.id === b.id &&
    a.loginName === b.loginName &&
    a.mfaExempt === b.mfaExempt &&
    sameList(a.groups, b.groups) &&
    sameList(a.details?.groupDns, b.details?.groupDns)
  );
}

function sameList(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Which part of the typed field is the password. Decided with the policy in hand (issue 9): an
 * exempt or unenrolled user has no code to type, so a password ending in digits stays whole; in
 * auto mode the trailing digits are a code only if they are one for this user right now (a used
 * code counts, so that its reason is `code_replayed`, as in concat mode).
 */
async function choosePassword(
  deps: PipelineDeps,
  req: AccessRequest,
  field: Buffer,
  who: { policy: PolicyOutcome; enrolled: readonly Factor[]; identityId: string; ctx: StepContext },
): Promise<{ password: Buffer; mode: string; code?: TypedCode; requested?: Factor }> {
  const mode = req.client.mfaMode;
  const label = mode === 'auto' ? 'auto:challenge' : mode;
  if (mode === 'challenge' || mode === 'second_factor_only') return { password: field, mode };
  if (who.policy.mfa === 'exempt' || who.enrolled.length === 0) return { password: field, mode: label };
  // A method picked after the password, as Duo does: `Secret123,sms` (the client's delimiter, or ',').
  const delim = Buffer.from(req.client.concatDelimiter || ',', 'utf8');
  for (const f of who.enrolled) {
    const word = keywordOf(deps, f.kind);
    if (!word) continue;
    const tail = Buffer.concat([delim, Buffer.from(word, 'utf8')]);
    if (
      field.length > tail.length &&
      field
        .subarray(field.length - tail.length)
        .toString('utf8')
        .toLowerCase() === tail.toString('utf8').toLowerCase()
    )
      return {
        password: field.subarray(0, field.length - tail.length),
        mode: `${mode}:${f.kind}`,
        requested: f,
      };
  }
  const split = splitConcat(field, req.client.concatDelimiter, deps.factors.codeLengths);
  if (!split) return { password: field, mode: label };
  const factors = deps.factors.codeFactors(who.enrolled, split.code.length);
  if (factors.length === 0) return { password: field, mode: label };
  const code = { value: split.code, factors };
  if (mode === 'concat') return { password: split.password, mode, code };
  for (const f of factors) {
    const peek = await f.check(who.identityId, split.code, who.ctx);
    if (peek.kind === 'ok' || peek.kind === 'replayed')
      return { password: split.password, mode: 'auto:concat', code };
  }
  return { password: field, mode: label };
}
