import { Attempt } from '../pipeline/attempt.js';
import type { FactorData, StepContext } from '../pipeline/ports.js';
import { type ReasonCode, Reasons } from '../pipeline/reasons.js';
import { codeRefusal } from '../pipeline/steps/factor-step.js';
import { NOT_COUNTED } from '../pipeline/steps/primary-step.js';
import type { Identity } from '../pipeline/types.js';
import type { Clock } from '../shared/clock.js';
import { maskForPrompt, normalisePhoneNumber } from '../sms/phone-number.js';
import { identityKey } from '../shared/identity-key.js';
import type { Store } from '../store/store.js';
import type { EnrolLinkService, LinkRefusal } from './enrol-link-service.js';
import { PORTAL_CLIENT, type PortalLog, type PortalRuntime } from './portal-runtime.js';

/** What a session may do: everything on one's own methods, or only enrol a first one. */
export type PortalScope = 'full' | 'first_enrolment';

/** A second factor asked for at sign-in: the method, and an SMS code's data (kept server-side). */
export interface PendingFactor {
  readonly identity: Identity;
  readonly method: 'totp' | 'sms';
  /** The other method the user may switch to on the code page. */
  readonly other?: 'totp' | 'sms';
  readonly data?: FactorData;
  /** For the page: `Enter the code sent to ••• ••• 12`. */
  readonly prompt: string;
}

export type SignInOutcome =
  | { readonly kind: 'signed_in'; readonly identity: Identity; readonly scope: PortalScope }
  | { readonly kind: 'second_factor'; readonly pending: PendingFactor }
  | { readonly kind: 'refused'; readonly reason: ReasonCode | PortalRefusal; readonly identityId?: string };

/** Refusals of the portal's own (the RADIUS ones are reason codes). */
export type PortalRefusal = 'no_method' | 'has_methods' | `link_${LinkRefusal}`;

export interface PortalSignInDeps {
  readonly runtime: () => PortalRuntime;
  readonly store: Store;
  readonly links: EnrolLinkService;
  readonly clock: Clock;
  readonly log: PortalLog;
  /** How long a primary check may take (a bind, an upstream round trip). */
  readonly checkTimeoutMs?: number;
}

const NEVER = new AbortController().signal;

function smsPrompt(to: unknown): string {
  const n = typeof to === 'string' ? normalisePhoneNumber(to) : undefined;
  return n?.ok
    ? `We sent a code by text message to ${maskForPrompt(n.value)}. Enter it here.`
    : 'We sent a code by text message. Enter it here.';
}

/**
 * Sign-in to the self-service portal (issue 11 item 2): the same primary check as a RADIUS login
 * (local store, LDAP/AD bind or upstream RADIUS), through the same lockout gate (a wrong password
 * here counts there and the other way round; a locked user gets no check at all), then the second
 * factor when the user has a method. A stolen password alone never reaches the method pages of a
 * user who has one; a user with none gets in only inside an enrolment window or with a link.
 */
export class PortalSignIn {
  constructor(private readonly deps: PortalSignInDeps) {}

  async signIn(name: string, password: string, correlationId: string): Promise<SignInOutcome> {
    const rt = this.deps.runtime();
    const login = name.trim();
    if (login === '' || password === '') return { kind: 'refused', reason: Reasons.MISSING_PASSWORD };
    const firstId = rt.primary.normalizeLogin?.(login) ?? identityKey(login);
    const attempt = new Attempt(rt.lockout);
    try {
      if (!(await attempt.admit(firstId)))
        return this.refused(Reasons.USER_LOCKED_OUT, firstId, correlationId);
      const result = await rt.primary.authenticate({
        userName: login,
        // A directory may resolve an alias to another identity: that one is gated too.
        prepare: async (identity) =>
          (await attempt.admit(identity.id))
            ? { kind: 'check', password: Buffer.from(password, 'utf8') }
            : { kind: 'stop', reason: Reasons.USER_LOCKED_OUT },
        correlationId,
        deadline: this.deps.clock.now() + (this.deps.checkTimeoutMs ?? 10_000),
        signal: NEVER,
      });
      if (result.kind === 'fail') {
        const id = result.identityId ?? firstId;
        if (!NOT_COUNTED.has(result.reason)) {
          await rt.lockout.recordFailure(id);
          await rt.authCache?.forget(id);
        }
        return this.refused(result.reason, id, correlationId);
      }
      // The upstream asks a question of its own (a token of its own): the portal cannot relay it.
      if (result.kind === 'challenge')
        return this.refused(Reasons.UPSTREAM_CHALLENGE, firstId, correlationId);
      return await this.afterPassword(result.identity, correlationId);
    } finally {
      attempt.release();
    }
  }

  /** The code typed on the second-factor page. Counts toward the lockout like a RADIUS code. */
  async verify(pending: PendingFactor, code: string, correlationId: string): Promise<SignInOutcome> {
    const rt = this.deps.runtime();
    const id = pending.identity.id;
    const attempt = new Attempt(rt.lockout);
    try {
      if (!(await attempt.admit(id))) return this.refused(Reasons.USER_LOCKED_OUT, id, correlationId);
      const typed = code.replace(/\s+/g, '');
      const r =
        pending.method === 'totp'
          ? await rt.totp.verify(id, typed)
          : rt.sms
            ? await rt.sms.verify(id, typed, this.ctx(correlationId), pending.data)
            : ({ kind: 'not_enrolled' } as const);
      if (r.kind === 'ok') {
        await rt.lockout.recordSuccess(id);
        this.deps.log.info(
          { event: 'portal_signed_in', identity: id, method: pending.method, correlation_id: correlationId },
          'portal sign-in',
        );
        return { kind: 'signed_in', identity: pending.identity, scope: 'full' };
      }
      if (r.kind === 'not_enrolled') return this.refused(Reasons.NOT_ENROLLED, id, correlationId);
      await rt.lockout.recordFailure(id);
      await rt.authCache?.forget(id);
      return this.refused(
        codeRefusal({ replayed: r.kind === 'replayed', expired: r.kind === 'expired' }),
        id,
        correlationId,
      );
    } finally {
      attempt.release();
    }
  }

  /** Starts the other method on the code page (an SMS instead of the app, or back). */
  async switchTo(pending: PendingFactor, correlationId: string): Promise<SignInOutcome> {
    if (!pending.other) return { kind: 'second_factor', pending };
    return this.start(pending.identity, pending.other, pending.method, correlationId);
  }

  /**
   * An enrolment link: for a user with no method yet, a session that may enrol a first one. The
   * link is used up here (once, atomically); a user who has a method meanwhile is refused and the
   * link left unused (the password and code are the way in then).
   */
  async redeemLink(token: string, correlationId: string): Promise<SignInOutcome> {
    const { links, log } = this.deps;
    const seen = links.peek(token);
    if (!seen.ok) return this.linkRefused(seen.error, undefined, correlationId);
    const identity = await this.identityFor(seen.value.identityId);
    if (await this.hasMethod(identity)) return this.refused('has_methods', identity.id, correlationId);
    const used = links.redeem(token);
    if (!used.ok) return this.linkRefused(used.error, identity.id, correlationId);
    log.info(
      { event: 'enrol_link_used', identity: identity.id, link: used.value.id, correlation_id: correlationId },
      'enrolment link used',
    );
    return { kind: 'signed_in', identity, scope: 'first_enrolment' };
  }

  private async afterPassword(identity: Identity, correlationId: string): Promise<SignInOutcome> {
    const rt = this.deps.runtime();
    const policy = rt.policy.evaluate(identity);
    if (!policy.allowed) return this.refused(Reasons.NOT_IN_ALLOWED_GROUP, identity.id, correlationId);
    const totp = await rt.totp.isEnrolled(identity);
    const sms = rt.sms ? await rt.sms.isEnrolled(identity) : false;
    if (totp || sms) {
      const preferred = this.deps.store.methods.defaultFor(identity.id);
      const first = (totp && sms ? (preferred === 'sms' ? 'sms' : 'totp') : totp ? 'totp' : 'sms') as
        | 'totp'
        | 'sms';
      const other = totp && sms ? (first === 'totp' ? 'sms' : 'totp') : undefined;
      return this.start(identity, first, other, correlationId);
    }
    // The password was right: the failures so far are forgotten, as after a RADIUS login.
    await rt.lockout.recordSuccess(identity.id);
    const until = this.deps.store.enrolWindows.openUntil(identity.id, this.deps.clock.now());
    if (until === undefined) return this.refused('no_method', identity.id, correlationId);
    this.deps.log.info(
      {
        event: 'portal_signed_in',
        identity: identity.id,
        method: 'enrol_window',
        correlation_id: correlationId,
      },
      'portal sign-in for a first enrolment (enrolment window)',
    );
    return { kind: 'signed_in', identity, scope: 'first_enrolment' };
  }

  private async start(
    identity: Identity,
    method: 'totp' | 'sms',
    other: 'totp' | 'sms' | undefined,
    correlationId: string,
  ): Promise<SignInOutcome> {
    const rt = this.deps.runtime();
    const withOther = other ? { other } : {};
    if (method === 'totp')
      return {
        kind: 'second_factor',
        pending: {
          identity,
          method,
          ...withOther,
          prompt: 'Enter the 6-digit code from your authenticator app.',
        },
      };
    // Never start(): with two-way SMS it would hold the sign-in for the phone's reply.
    const started = await rt.sms!.sendCode(identity, this.ctx(correlationId));
    if (started.kind === 'prompt')
      return {
        kind: 'second_factor',
        pending: {
          identity,
          method,
          ...withOther,
          // The RADIUS prompt names a resend keyword; here signing in again sends a new code.
          prompt: smsPrompt(started.data?.to),
          ...(started.data ? { data: started.data } : {}),
        },
      };
    // No SMS could go (a budget, every provider down): the app, when there is one.
    if (other === 'totp') return this.start(identity, 'totp', undefined, correlationId);
    const reason =
      started.kind === 'unavailable' || started.kind === 'refused' ? started.reason : Reasons.INTERNAL_ERROR;
    return this.refused(reason as ReasonCode, identity.id, correlationId);
  }

  private async hasMethod(identity: Identity): Promise<boolean> {
    const rt = this.deps.runtime();
    return (await rt.totp.isEnrolled(identity)) || (rt.sms ? await rt.sms.isEnrolled(identity) : false);
  }

  /** The directory's view of a link's user (its phone attributes count as a method), else the id alone. */
  private async identityFor(identityId: string): Promise<Identity> {
    const found = await this.deps.runtime().primary.lookup(identityId);
    return found ?? { id: identityId, loginName: identityId };
  }

  private ctx(correlationId: string): StepContext {
    return {
      correlationId,
      clientName: PORTAL_CLIENT,
      deadline: this.deps.clock.now() + 30_000,
      signal: NEVER,
    };
  }

  private linkRefused(
    why: LinkRefusal,
    identityId: string | undefined,
    correlationId: string,
  ): SignInOutcome {
    return this.refused(`link_${why}`, identityId, correlationId);
  }

  private refused(
    reason: ReasonCode | PortalRefusal,
    identityId: string | undefined,
    correlationId: string,
  ): SignInOutcome {
    this.deps.log.info(
      { event: 'portal_sign_in_refused', identity: identityId, reason, correlation_id: correlationId },
      'portal sign-in refused',
    );
    return { kind: 'refused', reason, ...(identityId !== undefined ? { identityId } : {}) };
  }
}
