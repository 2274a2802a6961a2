import { identityKey } from '../shared/identity-key.js';
import type { AccessRequest, AuditFields } from './access-request.js';
import { Attempt } from './attempt.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { PendingChallenge, StepContext } from './ports.js';
import { type ReasonCode, Reasons } from './reasons.js';
import {
  finishStart,
  issueChallenge,
  noFactorNeeded,
  startContext,
  startFactor,
  verifyCode,
} from './steps/factor-step.js';
import { chooseMethods, keywordOf } from './steps/method-choice.js';
import { type PrimaryStepResult, primaryStep } from './steps/primary-step.js';
import type { Decision, ReplyAttribute } from './types.js';

export type { PipelineDeps } from './pipeline-deps.js';

export interface Outcome {
  readonly decision: Decision;
  readonly audit: AuditFields;
}

const reject = (reason: ReasonCode, identityId?: string): Decision => ({
  kind: 'reject',
  reason,
  identityId,
});

/** A signal that never aborts, for callers that give none. */
const NEVER = new AbortController().signal;

/**
 * The Access-Request flow as a chain of small steps over async ports:
 *   lockout gate → primary check (with the split of the typed field decided once the directory knows
 *   the user) → policy → factor choice → factor start (challenge) → factor answer → decision.
 * Returns decisions as data; it never touches the wire. Every request does at most one password
 * check, and holds its lockout slots until its answer is decided.
 */
export class AccessPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: AccessRequest, signal: AbortSignal = NEVER): Promise<Outcome> {
    // Issue 9 item 9: CHAP, MS-CHAP(v2) and EAP carry no password a proxy can check; say so.
    if (!req.password && req.authMethod !== 'pap' && req.authMethod !== 'none') {
      return {
        decision: reject(Reasons.UNSUPPORTED_AUTH_METHOD),
        audit: { correlationId: req.correlationId, mode: req.client.mfaMode },
      };
    }
    const ctx: StepContext = {
      correlationId: req.correlationId,
      clientName: req.client.name,
      deadline: req.receivedAt + req.client.nasTimeoutMs,
      signal,
    };
    const attempt = new Attempt(this.deps.lockout);
    try {
      return await this.route(req, ctx, attempt);
    } finally {
      attempt.release();
    }
  }

  private async route(req: AccessRequest, ctx: StepContext, attempt: Attempt): Promise<Outcome> {
    if (req.state) return this.answer(req, req.state, ctx, attempt);
    const identityId = this.normalize(req.userName);
    const mode = req.client.mfaMode;
    const out = (decision: Decision, m: string, rule?: string): Outcome => ({
      decision,
      audit: {
        correlationId: req.correlationId,
        identityId: decision.identityId ?? identityId,
        mode: m,
        rule,
      },
    });
    if (!req.userName) return out(reject(Reasons.NO_SUCH_USER), mode);
    if (mode === 'second_factor_only') return this.secondFactorOnly(req, identityId, ctx, attempt);
    if (!req.password) return out(reject(Reasons.MISSING_PASSWORD, identityId), mode);
    const p = await primaryStep(this.deps, { req, field: req.password, identityId, ctx, attempt });
    return this.afterPrimary(req, p, [], ctx, out);
  }

  /** Policy, factor choice, start or answer, once the primary step is through. */
  private async afterPrimary(
    req: AccessRequest,
    p: PrimaryStepResult,
    carried: readonly ReplyAttribute[],
    ctx: StepContext,
    out: (d: Decision, mode: string, rule?: string) => Outcome,
  ): Promise<Outcome> {
    if (p.kind === 'done') return out(p.decision, p.mode, p.rule);
    if (p.kind === 'upstream_challenge') {
      const d = await issueChallenge(this.deps, req, p.identityId, {
        kind: 'upstream',
        attributes: p.attributes,
        prompt: p.prompt,
        upstreamState: p.upstreamState,
      });
      return out(d, p.mode);
    }
    const rule = p.policy.rule;
    // Usually only the directory's attributes: no copy then.
    const attributes =
      carried.length === 0 && p.policy.reply.length === 0
        ? p.attributes
        : [...carried, ...p.attributes, ...p.policy.reply];
    const direct = await noFactorNeeded(this.deps, p.identity, p.policy, p.methods, attributes);
    if (direct) return out(direct, p.mode, rule);
    // The auth-result cache: an answer to the upstream's question is no password, never cached.
    const cache = p.mode === 'upstream-answer' ? undefined : this.cacheFor(req, p.identity.id);
    if (cache && (await cache.port.matches(cache.key, p.checked))) {
      await this.deps.lockout.recordSuccess(p.identity.id);
      return out(
        { kind: 'accept', reason: Reasons.AUTH_CACHE, attributes, identityId: p.identity.id },
        p.mode,
        rule,
      );
    }
    const token = cache?.port.token(p.checked);
    if (p.code) {
      const d = await verifyCode(this.deps, p.identity.id, p.code, attributes, ctx);
      if (d.kind === 'accept' && cache && token) await cache.port.remember(cache.key, token, cache.ttlMs);
      return out(d, p.mode, rule);
    }
    const all = p.methods.usable;
    // The method picked by keyword (`Secret123,sms`) starts, whatever the mode. Otherwise a concat
    // client cannot show a challenge: only a factor answered out of band (two-way SMS) can start.
    const usable = p.requested
      ? [p.requested]
      : req.client.mfaMode === 'concat' && p.mode !== 'upstream-answer'
        ? all.filter((f) => f.outOfBand === true)
        : all;
    if (usable.length === 0) return out(reject(Reasons.MISSING_CODE, p.identity.id), p.mode, rule);
    return out(
      await startFactor(this.deps, req, p.identity, usable, attributes, p.policy, ctx, token, all),
      p.mode,
      rule,
    );
  }

  /** The auth-result cache and this login's key in it, when the client turned it on. */
  private cacheFor(req: AccessRequest, identityId: string) {
    const port = this.deps.authCache;
    if (!port || req.client.authCacheSec <= 0) return undefined;
    const key = {
      client: req.client.name,
      identityId,
      ...(req.nas.callingStationId ? { callingStationId: req.nas.callingStationId } : {}),
    };
    return { port, key, ttlMs: req.client.authCacheSec * 1000 };
  }

  /** An answer to one of our Access-Challenges (or a relayed upstream one). */
  private async answer(
    req: AccessRequest,
    state: Buffer,
    ctx: StepContext,
    attempt: Attempt,
  ): Promise<Outcome> {
    const taken = await this.deps.challenges.take(state, req.client.name, req.userName);
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
    const out = (decision: Decision, _mode?: string, rule?: string): Outcome => ({
      decision,
      audit: {
        correlationId: c.correlationId,
        identityId: decision.identityId ?? c.identityId,
        mode: 'challenge-answer',
        rule: rule ?? c.rule,
      },
    });
    const field = req.password ?? Buffer.alloc(0);
    // The answer belongs to the login that the challenge started: same correlation id in the logs.
    const relayed: AccessRequest = { ...req, state: undefined, correlationId: c.correlationId };
    if (c.kind === 'upstream') {
      const p = await primaryStep(this.deps, {
        req: relayed,
        field,
        upstreamState: c.upstreamState!,
        identityId: c.identityId,
        ctx,
        attempt,
      });
      return this.afterPrimary(relayed, p, [], ctx, out);
    }
    return out(await this.codeAnswer(relayed, c, field.toString('utf8').trim(), ctx, attempt));
  }

  /** The factor-answer step for a challenge of ours: a keyword (e.g. `resend`) or a code. */
  private async codeAnswer(
    req: AccessRequest,
    c: PendingChallenge,
    code: string,
    ctx: StepContext,
    attempt: Attempt,
  ): Promise<Decision> {
    const factor = this.deps.factors.get(c.kind);
    if (!factor) return reject(Reasons.INTERNAL_ERROR, c.identityId);
    // Another method picked at the prompt by its keyword ("… or type sms").
    const word = code.toLowerCase();
    const other = c.offered?.find((k) => keywordOf(this.deps, k)?.toLowerCase() === word);
    const next = other === undefined ? undefined : this.deps.factors.get(other);
    // A switch, a resend or a late two-way reply is an attempt like a code: the lockout gate first.
    if (!(await attempt.admit(c.identityId))) return reject(Reasons.USER_LOCKED_OUT, c.identityId);
    if (next && c.identity) {
      const started = await next.start(c.identity, startContext(this.deps, req, next, ctx));
      const back = [
        factor,
        ...(c.offered ?? []).filter((k) => k !== other).flatMap((k) => this.deps.factors.get(k) ?? []),
      ];
      return finishStart(this.deps, req, c.identityId, next, started, {
        attributes: c.attributes,
        ...(c.rule !== undefined ? { rule: c.rule } : {}),
        ...(c.authCacheToken ? { authCacheToken: c.authCacheToken } : {}),
        identity: c.identity,
        others: back,
      });
    }
    // A keyword first (`resend`; for two-way SMS an empty answer: "I replied to the SMS").
    if (factor.keyword) {
      const identity = { id: c.identityId, loginName: req.userName };
      const again = await factor.keyword(
        identity,
        code,
        c.factorData,
        startContext(this.deps, req, factor, ctx),
      );
      if (again) {
        return finishStart(this.deps, req, c.identityId, factor, again, {
          attributes: c.attributes,
          ...(c.rule !== undefined ? { rule: c.rule } : {}),
          ...(c.authCacheToken ? { authCacheToken: c.authCacheToken } : {}),
          ...(c.identity ? { identity: c.identity } : {}),
          others: (c.offered ?? []).flatMap((k) => this.deps.factors.get(k) ?? []),
        });
      }
    }
    if (!code) return reject(Reasons.MISSING_CODE, c.identityId);
    if (!(await attempt.admit(c.identityId))) return reject(Reasons.USER_LOCKED_OUT, c.identityId);
    const d = await verifyCode(
      this.deps,
      c.identityId,
      { value: code, factors: [factor] },
      c.attributes,
      ctx,
      c.factorData,
    );
    const cache = this.cacheFor(req, c.identityId);
    if (d.kind === 'accept' && cache && c.authCacheToken)
      await cache.port.remember(cache.key, c.authCacheToken, cache.ttlMs);
    return d;
  }

  /**
   * Second-factor-only: the gateway checked the password itself (e.g. a NetScaler secondary
   * policy), so the User-Password is the code; the identity comes from primary.lookup(). An empty
   * password gets our challenge instead.
   */
  private async secondFactorOnly(
    req: AccessRequest,
    identityId: string,
    ctx: StepContext,
    attempt: Attempt,
  ): Promise<Outcome> {
    const mode = 'second_factor_only';
    const out = (decision: Decision, rule?: string): Outcome => ({
      decision,
      audit: { correlationId: req.correlationId, identityId: decision.identityId ?? identityId, mode, rule },
    });
    if (!(await attempt.admit(identityId))) return out(reject(Reasons.USER_LOCKED_OUT, identityId));
    const identity = await this.deps.primary.lookup(req.userName);
    if (!identity) return out(reject(Reasons.NO_SUCH_USER, identityId));
    if (!(await attempt.admit(identity.id))) return out(reject(Reasons.USER_LOCKED_OUT, identity.id));
    const policy = this.deps.policy.evaluate(identity);
    if (!policy.allowed) return out(reject(Reasons.NOT_IN_ALLOWED_GROUP, identity.id), policy.rule);
    const methods = await chooseMethods(this.deps, req, identity, policy);
    const enrolled = methods.usable;
    const direct = await noFactorNeeded(this.deps, identity, policy, methods, policy.reply);
    if (direct) return out(direct, policy.rule);
    const code = (req.password ?? Buffer.alloc(0)).toString('utf8').trim();
    if (!code) {
      return out(
        await startFactor(this.deps, req, identity, enrolled, policy.reply, policy, ctx),
        policy.rule,
      );
    }
    const factors = this.deps.factors.codeFactors(enrolled, code.length);
    const d = await verifyCode(
      this.deps,
      identity.id,
      { value: code, factors: factors.length > 0 ? factors : enrolled },
      policy.reply,
      ctx,
    );
    return out(d.kind === 'accept' ? { ...d, reason: Reasons.SECOND_FACTOR_ONLY_OK } : d, policy.rule);
  }

  private normalize(userName: string): string {
    return this.deps.primary.normalizeLogin?.(userName) ?? identityKey(userName.trim());
  }
}
