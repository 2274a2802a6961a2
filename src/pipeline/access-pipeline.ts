import type { ChallengeStore } from '../state/challenge-store.js';
import { identityKey } from '../shared/identity-key.js';
import type { AccessRequest, AuditFields } from './access-request.js';
import { splitConcat } from './concat.js';
import type { LockoutPort, PolicyOutcome, PolicyPort, SecondFactorPort } from './ports.js';
import { type ReasonCode, Reasons } from './reasons.js';
import type { Decision, Identity, PrimaryAuthenticator, ReplyAttribute } from './types.js';

export interface Outcome {
  readonly decision: Decision;
  readonly audit: AuditFields;
}

export interface PipelineDeps {
  readonly primary: PrimaryAuthenticator;
  readonly factor: SecondFactorPort;
  readonly lockout: LockoutPort;
  readonly policy: PolicyPort;
  readonly challenges: ChallengeStore;
  readonly options: {
    readonly challengeTimeoutSec: number;
    readonly challengePrompt: string;
    readonly codeDigits: number;
  };
  /** Reply-Message for particular reject reasons (e.g. an expired AD password); others get the generic one. */
  readonly rejectMessages?: Readonly<Partial<Record<ReasonCode, string>>>;
}

const reject = (reason: ReasonCode, identityId?: string): Decision => ({
  kind: 'reject',
  reason,
  identityId,
});

/**
 * The Access-Request flow: primary check, then the second factor, by challenge, concat or auto.
 * Returns decisions as data; it never touches the wire. Lockout is checked before the primary
 * check, so a password spray through the gateway cannot push directory accounts into lockout,
 * and every path does at most one primary check per request.
 */
export class AccessPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: AccessRequest): Promise<Outcome> {
    if (req.state) return this.answerChallenge(req, req.state);
    const identityId = this.normalize(req.userName);
    const audit = (mode: string, decision: Decision, rule?: string): Outcome => ({
      decision,
      audit: { correlationId: req.correlationId, identityId: decision.identityId ?? identityId, mode, rule },
    });
    const mode = req.client.mfaMode;
    if (!req.userName) return audit(mode, reject(Reasons.NO_SUCH_USER));
    if (mode === 'second_factor_only') {
      if (this.deps.lockout.status(identityId).locked)
        return audit(mode, reject(Reasons.USER_LOCKED_OUT, identityId));
      return audit(mode, await this.secondFactorOnly(req));
    }
    if (!req.password) return audit(mode, reject(Reasons.MISSING_PASSWORD, identityId));
    if (this.deps.lockout.status(identityId).locked)
      return audit(mode, reject(Reasons.USER_LOCKED_OUT, identityId));

    const split =
      mode === 'challenge'
        ? undefined
        : splitConcat(req.password, req.client.concatDelimiter, this.deps.options.codeDigits);
    if (mode === 'concat') {
      if (!split) return audit(mode, await this.passwordOnly(req, req.password, 'concat'));
      return audit(mode, await this.passwordAndCode(req, split.password, split.code));
    }
    if (mode === 'auto' && split) {
      // Auto: the trailing digits count as a code only if they verify now, so a password that merely
      // ends in digits still gets a challenge. One primary check either way.
      const pre = await this.deps.factor.check(identityId, split.code);
      if (pre.kind === 'ok')
        return audit('auto:concat', await this.passwordAndCode(req, split.password, split.code));
    }
    const modeLabel = mode === 'auto' ? 'auto:challenge' : 'challenge';
    return audit(modeLabel, await this.passwordThenChallenge(req, req.password));
  }

  /** Stores a pending challenge and returns the Access-Challenge decision (or a reject when the store is full). */
  private challenge(
    req: AccessRequest,
    identityId: string,
    c: {
      kind: 'totp' | 'upstream';
      attributes: readonly ReplyAttribute[];
      prompt: string;
      upstreamState?: Buffer;
    },
  ): Decision {
    const issued = this.deps.challenges.issue(
      {
        clientName: req.client.name,
        userName: req.userName,
        identityId,
        correlationId: req.correlationId,
        attributes: c.attributes,
        kind: c.kind,
        upstreamState: c.upstreamState,
      },
      this.deps.options.challengeTimeoutSec * 1000,
    );
    if (!issued) return reject(Reasons.INTERNAL_ERROR, identityId);
    return {
      kind: 'challenge',
      reason: c.kind === 'upstream' ? Reasons.UPSTREAM_CHALLENGE : Reasons.CHALLENGE_ISSUED,
      state: issued.state,
      prompt: c.prompt,
      timeoutSec: this.deps.options.challengeTimeoutSec,
      identityId,
    };
  }

  private ourPrompt(req: AccessRequest): string {
    return req.client.challengePrompt ?? this.deps.options.challengePrompt;
  }

  private normalize(userName: string): string {
    return this.deps.primary.normalizeLogin?.(userName) ?? identityKey(userName.trim());
  }

  /** Runs the primary check once; counts a failure towards the lockout. */
  private async primary(
    req: AccessRequest,
    password: Buffer,
  ): Promise<
    | { ok: true; identity: Identity; attributes: readonly ReplyAttribute[]; policy: PolicyOutcome }
    | { ok: false; decision: Decision }
  > {
    const identityId = this.normalize(req.userName);
    const result = await this.deps.primary.authenticate({
      userName: req.userName,
      password,
      requestAttributes: req.attributes,
      correlationId: req.correlationId,
      deadline: req.receivedAt + req.client.nasTimeoutMs,
    });
    if (result.kind === 'challenge') {
      // The upstream asks its own question first (issue 5): relayed by the upstream directory.
      const decision = this.challenge(req, identityId, {
        kind: 'upstream',
        attributes: result.attributes,
        prompt: result.prompt,
        upstreamState: result.upstreamState,
      });
      return { ok: false, decision };
    }
    if (result.kind === 'fail') {
      const id = result.identityId ?? identityId;
      // An unavailable directory is not the user's fault: it must not lock them out.
      // An unknown name has no account to protect, and counting it would let a spray of random
      // names cost a durable write each.
      if (
        result.reason !== Reasons.DIRECTORY_UNAVAILABLE &&
        result.reason !== Reasons.UPSTREAM_TIMEOUT &&
        result.reason !== Reasons.UPSTREAM_REQUEST_TOO_LARGE &&
        result.reason !== Reasons.UPSTREAM_UNSIGNED &&
        result.reason !== Reasons.NO_SUCH_USER &&
        result.reason !== Reasons.USER_LOCKED_OUT
      ) {
        this.deps.lockout.registerFailure(id);
      }
      const replyMessage = this.deps.rejectMessages?.[result.reason];
      return { ok: false, decision: { kind: 'reject', reason: result.reason, identityId: id, replyMessage } };
    }
    const policy = this.deps.policy.evaluate(result.identity);
    if (!policy.allowed) {
      return { ok: false, decision: reject(Reasons.NOT_IN_ALLOWED_GROUP, result.identity.id) };
    }
    return { ok: true, identity: result.identity, attributes: result.attributes, policy };
  }

  /** Accept without a code when policy says so; otherwise undefined. */
  private noFactorNeeded(
    identity: Identity,
    policy: PolicyOutcome,
    attributes: readonly ReplyAttribute[],
  ): Decision | undefined {
    const reply = [...attributes, ...policy.reply];
    if (policy.mfa === 'exempt') {
      this.deps.lockout.registerSuccess(identity.id);
      return { kind: 'accept', reason: Reasons.MFA_EXEMPT, attributes: reply, identityId: identity.id };
    }
    if (!this.deps.factor.isEnrolled(identity.id)) {
      if (policy.unenrolled === 'allow') {
        this.deps.lockout.registerSuccess(identity.id);
        return {
          kind: 'accept',
          reason: Reasons.UNENROLLED_ALLOWED,
          attributes: reply,
          identityId: identity.id,
        };
      }
      return reject(Reasons.NOT_ENROLLED, identity.id);
    }
    return undefined;
  }

  /**
   * Issue 5, second-factor-only: the gateway checked the password itself (e.g. a NetScaler secondary
   * policy), so the User-Password is the code; the identity comes from primary.lookup(). An empty
   * password gets our challenge instead.
   */
  private async secondFactorOnly(req: AccessRequest): Promise<Decision> {
    const identity = await this.deps.primary.lookup(req.userName);
    if (!identity) return reject(Reasons.NO_SUCH_USER, this.normalize(req.userName));
    const policy = this.deps.policy.evaluate(identity);
    if (!policy.allowed) return reject(Reasons.NOT_IN_ALLOWED_GROUP, identity.id);
    const direct = this.noFactorNeeded(identity, policy, []);
    if (direct) return direct;
    const code = (req.password ?? Buffer.alloc(0)).toString('utf8').trim();
    if (!code) {
      return this.challenge(req, identity.id, {
        kind: 'totp',
        attributes: policy.reply,
        prompt: this.ourPrompt(req),
      });
    }
    const d = await this.verifyCode(identity.id, code, policy.reply);
    return d.kind === 'accept' ? { ...d, reason: Reasons.SECOND_FACTOR_ONLY_OK } : d;
  }

  /** concat mode without a trailing code: only exempt or allowed-unenrolled users get in. */
  private async passwordOnly(req: AccessRequest, password: Buffer, _mode: string): Promise<Decision> {
    const p = await this.primary(req, password);
    if (!p.ok) return p.decision;
    return (
      this.noFactorNeeded(p.identity, p.policy, p.attributes) ?? reject(Reasons.MISSING_CODE, p.identity.id)
    );
  }

  private async passwordAndCode(req: AccessRequest, password: Buffer, code: string): Promise<Decision> {
    const p = await this.primary(req, password);
    if (!p.ok) return p.decision;
    const direct = this.noFactorNeeded(p.identity, p.policy, p.attributes);
    if (direct) return direct;
    return this.verifyCode(p.identity.id, code, [...p.attributes, ...p.policy.reply]);
  }

  private async passwordThenChallenge(req: AccessRequest, password: Buffer): Promise<Decision> {
    const p = await this.primary(req, password);
    if (!p.ok) return p.decision;
    const direct = this.noFactorNeeded(p.identity, p.policy, p.attributes);
    if (direct) return direct;
    return this.challenge(req, p.identity.id, {
      kind: 'totp',
      attributes: [...p.attributes, ...p.policy.reply],
      prompt: this.ourPrompt(req),
    });
  }

  private async verifyCode(
    identityId: string,
    code: string,
    attributes: readonly ReplyAttribute[],
  ): Promise<Decision> {
    const lock = this.deps.lockout.status(identityId);
    if (lock.locked) return reject(Reasons.USER_LOCKED_OUT, identityId);
    const r = await this.deps.factor.verify(identityId, code);
    if (r.kind === 'ok') {
      this.deps.lockout.registerSuccess(identityId);
      return { kind: 'accept', reason: Reasons.MFA_OK, attributes, identityId };
    }
    if (r.kind === 'not_enrolled') return reject(Reasons.NOT_ENROLLED, identityId);
    this.deps.lockout.registerFailure(identityId);
    return reject(r.kind === 'replayed' ? Reasons.CODE_REPLAYED : Reasons.BAD_CODE, identityId);
  }

  private async answerChallenge(req: AccessRequest, state: Buffer): Promise<Outcome> {
    const taken = this.deps.challenges.take(state, req.client.name, req.userName);
    if (taken.kind !== 'ok') {
      const reason =
        taken.kind === 'unknown'
          ? Reasons.STATE_UNKNOWN
          : taken.kind === 'expired'
            ? Reasons.STATE_EXPIRED
            : Reasons.STATE_MISMATCH;
      const correlationId = taken.kind === 'unknown' ? req.correlationId : taken.challenge.correlationId;
      const identityId = taken.kind === 'unknown' ? this.normalize(req.userName) : taken.challenge.identityId;
      return {
        decision: reject(reason, identityId),
        audit: { correlationId, identityId, mode: 'challenge-answer' },
      };
    }
    const c = taken.challenge;
    const audit = { correlationId: c.correlationId, identityId: c.identityId, mode: 'challenge-answer' };
    const code = (req.password ?? Buffer.alloc(0)).toString('utf8').trim();
    if (c.kind === 'upstream') {
      // Relay the user's answer to the upstream's own challenge; our factor follows its Accept.
      const relayed = { ...req, state: undefined, correlationId: c.correlationId };
      const next = await this.upstreamAnswer(relayed, c.upstreamState!, c.attributes);
      return { decision: next, audit };
    }
    if (!code) return { decision: reject(Reasons.MISSING_CODE, c.identityId), audit };
    return { decision: await this.verifyCode(c.identityId, code, c.attributes), audit };
  }

  private async upstreamAnswer(
    req: AccessRequest,
    upstreamState: Buffer,
    _carried: readonly ReplyAttribute[],
  ): Promise<Decision> {
    const result = await this.deps.primary.authenticate({
      userName: req.userName,
      password: req.password ?? Buffer.alloc(0),
      upstreamState,
      requestAttributes: req.attributes,
      correlationId: req.correlationId,
      deadline: req.receivedAt + req.client.nasTimeoutMs,
    });
    if (result.kind === 'fail')
      return reject(result.reason, result.identityId ?? this.normalize(req.userName));
    if (result.kind === 'challenge') {
      const identityId = this.normalize(req.userName);
      return this.challenge(req, identityId, {
        kind: 'upstream',
        attributes: result.attributes,
        prompt: result.prompt,
        upstreamState: result.upstreamState,
      });
    }
    const policy = this.deps.policy.evaluate(result.identity);
    if (!policy.allowed) return reject(Reasons.NOT_IN_ALLOWED_GROUP, result.identity.id);
    const direct = this.noFactorNeeded(result.identity, policy, result.attributes);
    if (direct) return direct;
    return this.challenge(req, result.identity.id, {
      kind: 'totp',
      attributes: [...result.attributes, ...policy.reply],
      prompt: this.ourPrompt(req),
    });
  }
}
