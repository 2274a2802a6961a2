import type { AccessRequest } from '../access-request.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { Factor, FactorData, FactorStart, PolicyOutcome, StartContext, StepContext } from '../ports.js';
import { type ReasonCode, Reasons } from '../reasons.js';
import type { Decision, Identity, ReplyAttribute } from '../types.js';
import { type Methods, offerFor } from './method-choice.js';
import type { TypedCode } from './primary-step.js';

const reject = (reason: ReasonCode, identityId: string): Decision => ({ kind: 'reject', reason, identityId });

/** The policy step: accept without a code when policy says so; otherwise undefined. */
export async function noFactorNeeded(
  deps: PipelineDeps,
  identity: Identity,
  policy: PolicyOutcome,
  methods: Methods,
  attributes: readonly ReplyAttribute[],
): Promise<Decision | undefined> {
  if (policy.mfa === 'exempt') {
    await deps.lockout.recordSuccess(identity.id);
    return { kind: 'accept', reason: Reasons.MFA_EXEMPT, attributes, identityId: identity.id };
  }
  if (methods.usable.length > 0) return undefined;
  // Enrolled, but with no method this group or client allows: never "unenrolled: allow".
  if (methods.anyEnrolled) return reject(Reasons.METHOD_NOT_ALLOWED, identity.id);
  if (policy.unenrolled === 'allow') {
    await deps.lockout.recordSuccess(identity.id);
    return { kind: 'accept', reason: Reasons.UNENROLLED_ALLOWED, attributes, identityId: identity.id };
  }
  // `enroll` (issue 11): the password was right, so the window for a first enrolment in the
  // portal opens, and the reject names the portal. Never an accept: no method, no second factor.
  if (policy.unenrolled === 'enroll' && deps.enrolment) {
    await deps.lockout.recordSuccess(identity.id);
    await deps.enrolment.openWindow(identity.id);
    return {
      kind: 'reject',
      reason: Reasons.ENROLMENT_REQUIRED,
      identityId: identity.id,
      replyMessage: deps.enrolment.replyMessage,
    };
  }
  return reject(Reasons.NOT_ENROLLED, identity.id);
}

/** Why a typed code was refused: a used one and an expired one get their own reasons. */
export function codeRefusal(r: { readonly replayed: boolean; readonly expired: boolean }): ReasonCode {
  return r.replayed ? Reasons.CODE_REPLAYED : r.expired ? Reasons.CODE_EXPIRED : Reasons.BAD_CODE;
}

/** The factor-answer step: a typed code, verified (and consumed) by the factors that take it. */
export async function verifyCode(
  deps: PipelineDeps,
  identityId: string,
  code: TypedCode,
  attributes: readonly ReplyAttribute[],
  ctx: StepContext,
  data?: FactorData,
): Promise<Decision> {
  let replayed = false;
  let expired = false;
  let enrolled = false;
  for (const f of code.factors) {
    const r = await f.verify(identityId, code.value, ctx, data);
    if (r.kind === 'ok') {
      await deps.lockout.recordSuccess(identityId);
      return { kind: 'accept', reason: Reasons.MFA_OK, attributes, identityId };
    }
    if (r.kind !== 'not_enrolled') enrolled = true;
    if (r.kind === 'replayed') replayed = true;
    if (r.kind === 'expired') expired = true;
  }
  if (!enrolled) return reject(Reasons.NOT_ENROLLED, identityId);
  await deps.lockout.recordFailure(identityId);
  await deps.authCache?.forget(identityId);
  return reject(
    codeRefusal({ replayed, expired }),
    identityId,
  );
}

/**
 * Factor choice and start: the first enrolled factor asks for its code by Access-Challenge. The
 * challenge remembers the factor, the attributes earned so far and the policy rule.
 */
export async function startFactor(
  deps: PipelineDeps,
  req: AccessRequest,
  identity: Identity,
  enrolled: readonly Factor[],
  attributes: readonly ReplyAttribute[],
  policy: { readonly rule?: string; readonly failmode?: 'secure' | 'safe' },
  ctx: StepContext,
  authCacheToken?: string,
  /** Every usable method, when `enrolled` is a subset to start from (the others are offered). */
  all?: readonly Factor[],
): Promise<Decision> {
  // Factor choice: the first enrolled factor that can start; one that cannot (every SMS provider
  // down, a budget tripped) gives way to the next enrolled one.
  let reason: ReasonCode = Reasons.INTERNAL_ERROR;
  for (const factor of enrolled) {
    const started = await factor.start(identity, startContext(deps, req, factor, ctx));
    if (started.kind === 'unavailable') {
      reason = started.reason as ReasonCode;
      continue;
    }
    return finishStart(deps, req, identity.id, factor, started, {
      attributes,
      ...(policy.rule !== undefined ? { rule: policy.rule } : {}),
      ...(authCacheToken ? { authCacheToken } : {}),
      identity,
      others: (all ?? enrolled).filter((f) => f !== factor),
    });
  }
  // The factor's service is down (not a budget: that is the user's or an attacker's doing). A
  // group's failmode wins over the client's; `safe` trades the second factor for availability.
  if (reason === Reasons.SMS_SEND_FAILED && (policy.failmode ?? req.client.failmode) === 'safe') {
    await deps.lockout.recordSuccess(identity.id);
    return { kind: 'accept', reason: Reasons.FAILMODE_SAFE, attributes, identityId: identity.id };
  }
  return reject(reason, identity.id);
}

export function startContext(
  deps: PipelineDeps,
  req: AccessRequest,
  factor: Factor,
  ctx: StepContext,
): StartContext {
  return { ...ctx, prompt: promptFor(deps, req, factor.kind), canChallenge: req.client.mfaMode !== 'concat' };
}

/**
 * What a factor's start (or keyword) said, as a decision: ask by Access-Challenge, accept an
 * out-of-band answer, or refuse.
 */
export async function finishStart(
  deps: PipelineDeps,
  req: AccessRequest,
  identityId: string,
  factor: Factor,
  started: FactorStart,
  c: {
    readonly attributes: readonly ReplyAttribute[];
    readonly rule?: string;
    readonly authCacheToken?: string;
    /** Who it is and the methods the prompt may offer by keyword instead of this one. */
    readonly identity?: Identity;
    readonly others?: readonly Factor[];
  },
): Promise<Decision> {
  switch (started.kind) {
    case 'prompt': {
      const offer = offerFor(deps, c.others ?? []);
      return issueChallenge(deps, req, identityId, {
        kind: factor.kind,
        attributes: c.attributes,
        prompt: offer.text ? `${started.prompt} (${offer.text})` : started.prompt,
        ...(started.data ? { factorData: started.data } : {}),
        ...(c.rule !== undefined ? { rule: c.rule } : {}),
        ...(c.authCacheToken ? { authCacheToken: c.authCacheToken } : {}),
        ...(c.identity ? { identity: c.identity } : {}),
        ...(offer.kinds.length > 0 ? { offered: offer.kinds } : {}),
      });
    }
    case 'verified':
      await deps.lockout.recordSuccess(identityId);
      return { kind: 'accept', reason: Reasons.MFA_OK, attributes: c.attributes, identityId };
    case 'refused':
      if (started.counts) {
        await deps.lockout.recordFailure(identityId);
        await deps.authCache?.forget(identityId);
      }
      return reject(started.reason as ReasonCode, identityId);
    case 'unavailable':
      return reject(started.reason as ReasonCode, identityId);
  }
}

/** The client's own prompt applies to codes from an app; other factors word their own. */
export function promptFor(deps: PipelineDeps, req: AccessRequest, kind: string): string {
  return kind === 'totp' ? (req.client.challengePrompt ?? deps.options.challengePrompt) : '';
}

/** Stores a pending challenge and returns the Access-Challenge decision (a reject when the store is full). */
export async function issueChallenge(
  deps: PipelineDeps,
  req: AccessRequest,
  identityId: string,
  c: {
    readonly kind: string;
    readonly attributes: readonly ReplyAttribute[];
    readonly prompt: string;
    readonly upstreamState?: Buffer;
    readonly rule?: string;
    readonly factorData?: FactorData;
    readonly authCacheToken?: string;
    readonly identity?: Identity;
    readonly offered?: readonly string[];
  },
): Promise<Decision> {
  const timeoutSec = deps.options.challengeTimeoutSec;
  const issued = await deps.challenges.issue(
    {
      clientName: req.client.name,
      userName: req.userName,
      identityId,
      correlationId: req.correlationId,
      attributes: c.attributes,
      kind: c.kind,
      ...(c.upstreamState ? { upstreamState: c.upstreamState } : {}),
      ...(c.rule !== undefined ? { rule: c.rule } : {}),
      ...(c.factorData ? { factorData: c.factorData } : {}),
      ...(c.authCacheToken ? { authCacheToken: c.authCacheToken } : {}),
      ...(c.identity ? { identity: c.identity } : {}),
      ...(c.offered ? { offered: c.offered } : {}),
    },
    timeoutSec * 1000,
  );
  if (!issued) return reject(Reasons.INTERNAL_ERROR, identityId);
  return {
    kind: 'challenge',
    reason: c.kind === 'upstream' ? Reasons.UPSTREAM_CHALLENGE : Reasons.CHALLENGE_ISSUED,
    state: issued.state,
    prompt: c.prompt,
    timeoutSec,
    identityId,
  };
}
