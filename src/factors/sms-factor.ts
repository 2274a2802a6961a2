import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  Factor,
  FactorData,
  FactorResult,
  FactorStart,
  StartContext,
  StepContext,
} from '../pipeline/ports.js';
import { Reasons } from '../pipeline/reasons.js';
import type { Identity } from '../pipeline/types.js';
import type { Clock, Rng } from '../shared/clock.js';
import { maskForLog, maskForPrompt, normalisePhoneNumber, type PhoneNumber } from '../sms/phone-number.js';
import type { SmsBudgetPort } from '../sms/sms-budget.js';
import { type CodeDigits, generateSmsCode } from '../sms/sms-code.js';
import type { SmsSender } from '../sms/sms-sender.js';
import type { OobWaiterPort } from '../state/oob-waiter.js';

/** A reply from a phone, as the out-of-band waiter carries it (keyed by the sender's E.164 number). */
export interface SmsReply {
  readonly text: string;
  /** Clock ms */
  readonly receivedAt: number;
}

/** Where a user's phone number comes from: the directory's attribute, else an enrolment in the store. */
export interface PhoneSource {
  phoneFor(identity: Identity): Promise<string | undefined>;
}

export interface SmsFactorOptions {
  readonly digits: CodeDigits;
  /** How long a sent code works (with its State only). */
  readonly codeTtlSec: number;
  /** The SMS text; `{code}` is replaced by the code. */
  readonly message: string;
  /** The Access-Challenge prompt; `{phone}` is the masked number (`••• ••• 12`). */
  readonly prompt: string;
  /** Typed at the prompt instead of a code: send a new one ('' = off). */
  readonly resendKeyword: string;
  readonly resendCooldownSec: number;
  /** ISO 3166 alpha-2: how national numbers (`0151 …`) in the directory are read. */
  readonly defaultCountry?: string;
  /** Two-way: the request is held until the user replies to the SMS with the code. */
  readonly twoWay: boolean;
  /** Two-way, when the wait ran out and the client can challenge: `{phone}` is the masked number. */
  readonly twoWayPrompt: string;
}

export interface SmsEvents {
  /** One line per send or refusal, with the number masked (maskForLog). */
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SmsFactorDeps {
  readonly sender: SmsSender;
  readonly budget: SmsBudgetPort;
  readonly phones: PhoneSource;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly options: SmsFactorOptions;
  readonly log: SmsEvents;
  /** Replies from phones, keyed by the sender's E.164 number (two-way). */
  readonly replies?: OobWaiterPort<SmsReply>;
}

/** Time kept for the answer to travel back to the gateway after the send. */
const SEND_MARGIN_MS = 1000;
/** Time kept after a two-way wait for the Access-Challenge (or reject) to reach the gateway. */
const WAIT_MARGIN_MS = 1500;

/**
 * One-way SMS by challenge (issue 10): after the password check, a code from the CSPRNG goes to
 * the user's phone and an Access-Challenge names the masked number. The code is kept only as an
 * HMAC under a key of this process, inside the challenge's data: it works once (the State is
 * taken on the answer), only with its State, until `codeTtlSec`. Nothing is sent before the
 * password check passed, because the pipeline starts a factor only after it.
 */
export class SmsFactor implements Factor {
  readonly kind = 'sms';
  /** SMS codes are never typed after the password: they do not exist before the check. */
  readonly codeLengths: readonly number[] = [];
  private readonly key: Buffer;

  constructor(private readonly deps: SmsFactorDeps) {
    this.key = deps.rng.bytes(32);
  }

  /** Two-way SMS needs no typing: a concat client (RRAS) can use it. */
  get outOfBand(): boolean {
    return this.deps.options.twoWay && this.deps.replies !== undefined;
  }

  async isEnrolled(identity: Identity): Promise<boolean> {
    return (await this.number(identity)) !== undefined;
  }

  async start(identity: Identity, ctx: StartContext): Promise<FactorStart> {
    const n = await this.number(identity);
    if (!n) return { kind: 'unavailable', reason: Reasons.NOT_ENROLLED };
    const sent = await this.send(identity.id, n, ctx);
    if (sent.kind !== 'prompt' || !this.outOfBand) return sent;
    return this.awaitReply(identity.id, n, sent, ctx);
  }

  /**
   * Two-way (issue 10 item 5): the request is held, inside the client's budget, until the phone
   * replies with the code. A reply without it (an "ok", a carrier's auto-reply, a reply to an older
   * SMS, one meant for another login on the same phone) is logged and the wait goes on: only the
   * right code ends it. When the budget runs out first, a client that can challenge gets one
   * ("reply to the SMS or type the code here", either works), one that cannot gets `sms_timeout`.
   */
  private async awaitReply(
    identityId: string,
    n: PhoneNumber,
    sent: FactorStart & { kind: 'prompt' },
    ctx: StartContext,
  ): Promise<FactorStart> {
    const data = { ...sent.data!, twoWay: 1 };
    for (;;) {
      const timeoutMs = ctx.deadline - this.deps.clock.now() - WAIT_MARGIN_MS;
      if (timeoutMs <= 0) break;
      const r = await this.deps.replies!.wait(n.e164, { timeoutMs, signal: ctx.signal });
      if (r.kind === 'aborted') return { kind: 'refused', reason: Reasons.SMS_TIMEOUT, counts: false };
      if (r.kind === 'timeout') break;
      if (this.replyMatches(identityId, n, r.answer, data)) return this.verifiedUnlessExpired(data);
    }
    if (!ctx.canChallenge) return { kind: 'refused', reason: Reasons.SMS_TIMEOUT, counts: false };
    return {
      kind: 'prompt',
      prompt: this.deps.options.twoWayPrompt.replaceAll('{phone}', maskForPrompt(n)),
      data,
    };
  }

  /** A reply holds this login's code, and came after its SMS went out. Logged (masked) either way. */
  private replyMatches(identityId: string, n: PhoneNumber, reply: SmsReply, data: FactorData): boolean {
    const typed = /\d{6,8}/.exec(reply.text)?.[0] ?? '';
    const ok = reply.receivedAt >= Number(data.sentAt) && this.matches(typed, data);
    this.deps.log.info(
      { event: 'sms_reply', identity: identityId, from: maskForLog(n), matched: ok },
      ok ? 'SMS reply with the code' : "SMS reply without this login's code: still waiting",
    );
    return ok;
  }

  private verifiedUnlessExpired(data: FactorData): FactorStart {
    if (this.deps.clock.now() > Number(data.expiresAt))
      return { kind: 'refused', reason: Reasons.CODE_EXPIRED, counts: true };
    return { kind: 'verified' };
  }

  async keyword(
    identity: Identity,
    text: string,
    data: FactorData | undefined,
    ctx: StepContext,
  ): Promise<FactorStart | undefined> {
    // Two-way, at the fallback challenge: a reply that came in since counts as the answer, whatever
    // was typed here (an empty line included); a typed code is checked by verify().
    if (data?.twoWay && this.deps.replies) {
      const n = normalisePhoneNumber(String(data.to));
      const late = n.ok ? await this.deps.replies.wait(n.value.e164, { timeoutMs: 0 }) : undefined;
      if (n.ok && late?.kind === 'answered' && this.replyMatches(identity.id, n.value, late.answer, data))
        return this.verifiedUnlessExpired(data);
      if (text.trim() === '') return { kind: 'refused', reason: Reasons.MISSING_CODE, counts: false };
    }
    const word = this.deps.options.resendKeyword;
    if (!word || !data || text.toLowerCase() !== word.toLowerCase()) return undefined;
    const n = normalisePhoneNumber(String(data.to));
    if (!n.ok) return undefined;
    const waitMs = Number(data.sentAt) + this.deps.options.resendCooldownSec * 1000 - this.deps.clock.now();
    if (waitMs > 0) {
      // Within the cooldown: the same code stays valid, under a new State; nothing is sent.
      this.deps.log.info(
        {
          event: 'sms_resend_refused',
          identity: identity.id,
          to: maskForLog(n.value),
          wait_sec: Math.ceil(waitMs / 1000),
        },
        'SMS resend asked within the cooldown',
      );
      return {
        kind: 'prompt',
        prompt: `Please wait ${Math.ceil(waitMs / 1000)} s before asking for a new code. ${this.prompt(n.value)}`,
        data,
      };
    }
    return this.send(identity.id, n.value, ctx);
  }

  async verify(
    _identityId: string,
    code: string,
    _ctx: StepContext,
    data?: FactorData,
  ): Promise<FactorResult> {
    // A code only ever answers the challenge it was sent for.
    if (!data || typeof data.digest !== 'string') return { kind: 'bad_code' };
    const typed = code.trim();
    if (!/^\d{6,8}$/.test(typed)) return { kind: 'bad_code' };
    if (!this.matches(typed, data)) return { kind: 'bad_code' };
    if (this.deps.clock.now() > Number(data.expiresAt)) return { kind: 'expired' };
    return { kind: 'ok' };
  }

  /**
   * The portal's phone enrolment (issue 11): a code to a number typed there, not enrolled yet, with
   * the same providers, budgets and text as at a login; `verify` with the returned data checks it.
   */
  async sendTo(identityId: string, e164: string, ctx: StepContext): Promise<FactorStart> {
    const n = normalisePhoneNumber(e164);
    if (!n.ok) return { kind: 'unavailable', reason: Reasons.NOT_ENROLLED };
    return this.send(identityId, n.value, ctx);
  }

  /**
   * The portal's sign-in: a code to the user's phone, never held for a reply (two-way or not), as
   * the code is typed in the browser; `verify` with the returned data checks it.
   */
  async sendCode(identity: Identity, ctx: StepContext): Promise<FactorStart> {
    const n = await this.number(identity);
    if (!n) return { kind: 'unavailable', reason: Reasons.NOT_ENROLLED };
    return this.send(identity.id, n, ctx);
  }

  async check(): Promise<FactorResult> {
    return { kind: 'bad_code' };
  }

  private async send(identityId: string, n: PhoneNumber, ctx: StepContext): Promise<FactorStart> {
    const { clock, log, options } = this.deps;
    const masked = maskForLog(n);
    const budget = await this.deps.budget.tryConsume({
      identityId,
      client: ctx.clientName,
      country: n.region,
      now: clock.now(),
    });
    if (!budget.ok) {
      log.warn(
        {
          event: 'sms_refused',
          identity: identityId,
          to: masked,
          tripped: budget.tripped,
          correlation_id: ctx.correlationId,
        },
        `SMS refused: ${budget.tripped}`,
      );
      return { kind: 'unavailable', reason: Reasons.SMS_BUDGET_EXCEEDED };
    }
    // No time left to send, or the login was cancelled (a drain, a reload): not an outage of the
    // SMS service, so never a reason for failmode safe to let anyone in.
    if (ctx.signal.aborted || clock.now() >= ctx.deadline - SEND_MARGIN_MS) {
      await this.deps.budget.refund(budget.ticket);
      return { kind: 'refused', reason: Reasons.SMS_TIMEOUT, counts: false };
    }
    const code = generateSmsCode(this.deps.rng, options.digits);
    const sent = await this.deps.sender.send(
      { to: n.e164, text: options.message.replaceAll('{code}', code), correlationId: ctx.correlationId },
      { deadline: ctx.deadline - SEND_MARGIN_MS, signal: ctx.signal },
    );
    if (sent.kind === 'failed' && sent.reason === 'aborted') {
      await this.deps.budget.refund(budget.ticket);
      return { kind: 'refused', reason: Reasons.SMS_TIMEOUT, counts: false };
    }
    if (sent.kind === 'failed') {
      // A refusal never reached a phone: give the budget back. A timeout may have been sent (and billed).
      if (sent.reason !== 'timeout') await this.deps.budget.refund(budget.ticket);
      log.warn(
        {
          event: 'sms_send_failed',
          identity: identityId,
          to: masked,
          provider: sent.provider,
          cause: sent.reason,
          correlation_id: ctx.correlationId,
        },
        'every SMS provider failed',
      );
      return { kind: 'unavailable', reason: Reasons.SMS_SEND_FAILED };
    }
    const now = clock.now();
    log.info(
      {
        event: 'sms_sent',
        identity: identityId,
        to: masked,
        provider: sent.provider,
        correlation_id: ctx.correlationId,
      },
      'SMS code sent',
    );
    return {
      kind: 'prompt',
      prompt: this.prompt(n),
      data: {
        to: n.e164,
        digest: this.digest(code).toString('base64'),
        sentAt: now,
        expiresAt: now + options.codeTtlSec * 1000,
      },
    };
  }

  private matches(typed: string, data: FactorData): boolean {
    if (typeof data.digest !== 'string' || !/^\d{6,8}$/.test(typed)) return false;
    const expected = Buffer.from(data.digest, 'base64');
    const got = this.digest(typed);
    return expected.length === got.length && timingSafeEqual(expected, got);
  }

  private prompt(n: PhoneNumber): string {
    const { prompt, resendKeyword } = this.deps.options;
    const text = prompt.replaceAll('{phone}', maskForPrompt(n));
    return resendKeyword ? `${text} (type ${resendKeyword} for a new code)` : text;
  }

  private digest(code: string): Buffer {
    return createHmac('sha256', this.key).update(code).digest();
  }

  private async number(identity: Identity): Promise<PhoneNumber | undefined> {
    const raw = await this.deps.phones.phoneFor(identity);
    if (!raw) return undefined;
    const n = normalisePhoneNumber(
      raw,
      this.deps.options.defaultCountry ? { defaultCountry: this.deps.options.defaultCountry } : {},
    );
    return n.ok ? n.value : undefined;
  }
}
