import type { Config } from '../config/schema.js';
import { otpauthUri } from '../factors/otpauth.js';
import { base32Encode, generateTotpSecret } from '../factors/totp.js';
import type { FactorData } from '../pipeline/ports.js';
import type { Identity } from '../pipeline/types.js';
import type { Clock, Rng } from '../shared/clock.js';
import { maskForLog, maskForPrompt, normalisePhoneNumber } from '../sms/phone-number.js';
import type { Store } from '../store/store.js';
import type { TokenInfo } from '../store/token-repo.js';
import type { PhoneService } from './phone-service.js';
import { PORTAL_CLIENT, type PortalLog, type PortalRuntime } from './portal-runtime.js';

/** One's own methods as the portal shows them. */
export interface MyMethods {
  readonly apps: readonly TokenInfo[];
  /** The SMS phone: enrolled in the store (removable) or read from the directory (not). */
  readonly phone?: { readonly masked: string; readonly source: 'store' | 'directory' };
  readonly defaultMethod: 'totp' | 'sms' | undefined;
  /** Policy requires a second factor for this user: the last method cannot be removed. */
  readonly mfaRequired: boolean;
  /** SMS is configured (a phone can be enrolled). */
  readonly smsAvailable: boolean;
}

export interface TotpSetup {
  readonly tokenId: number;
  /** otpauth:// URI (carries the seed: the QR code only, never a log). */
  readonly uri: string;
  /** The seed in base32, in groups of four, for typing by hand. */
  readonly manualKey: string;
}

export type MethodOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly why:
        | 'bad_code'
        | 'replayed'
        | 'expired'
        | 'not_found'
        | 'last_method'
        | 'not_removable'
        | 'sms_unavailable'
        | 'invalid_label';
      readonly detail?: string;
    };

export interface PhoneChallenge {
  readonly data: FactorData;
  readonly prompt: string;
  readonly masked: string;
}

export interface PortalMethodsDeps {
  readonly runtime: () => PortalRuntime;
  readonly config: () => Readonly<Config>;
  readonly store: Store;
  /** The number check of `phone set` (normalised, an allowed country); nothing stored. */
  readonly phones: Pick<PhoneService, 'check'>;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: PortalLog;
}

const NEVER = new AbortController().signal;
const LABEL = /^[\p{L}\p{N} ._'()-]{1,40}$/u;

/** Base32 in groups of four (`JBSW Y3DP …`): easier to type from a screen. */
export function groupKey(base32: string): string {
  return base32.replace(/(.{4})/g, '$1 ').trim();
}

/**
 * A signed-in user's own methods (issue 11 item 2): enrol an app (stored pending until a code from
 * it was typed), enrol a phone (stored only once the code sent to it came back), list, rename,
 * remove, choose the default. The same store and factors as the CLI and RADIUS.
 */
export class PortalMethods {
  constructor(private readonly deps: PortalMethodsDeps) {}

  async list(identity: Identity): Promise<MyMethods> {
    const { store, config } = this.deps;
    const rt = this.deps.runtime();
    const apps = store.tokens.listFor(identity.id);
    const stored = store.phones.get(identity.id);
    let phone: MyMethods['phone'];
    if (stored !== undefined) phone = { masked: this.mask(stored), source: 'store' };
    else if (rt.sms && (await rt.sms.isEnrolled(identity))) {
      const raw = identity.mobile ?? identity.phone ?? '';
      phone = { masked: this.mask(raw), source: 'directory' };
    }
    const preferred = store.methods.defaultFor(identity.id);
    return {
      apps,
      ...(phone ? { phone } : {}),
      defaultMethod: preferred === 'sms' || preferred === 'totp' ? preferred : undefined,
      mfaRequired: rt.policy.evaluate(identity).mfa === 'required',
      smsAvailable: config().sms !== undefined && rt.sms !== undefined,
    };
  }

  /** A new pending token (an abandoned one is dropped first). Logins ignore it until confirmed. */
  startTotp(identity: Identity): TotpSetup {
    const { store, rng } = this.deps;
    store.tokens.removePending(identity.id);
    const secret = generateTotpSecret(rng);
    const token = store.tokens.add(identity.id, { secret, pending: true, label: 'Authenticator app' });
    return this.setup(identity.id, token.id, secret);
  }

  /** The pending token's QR again (a reload of the page); undefined when it is not pending any more. */
  totpSetup(identity: Identity, tokenId: number): TotpSetup | undefined {
    const p = this.deps.store.tokens.pendingSecret(identity.id, tokenId);
    return p ? this.setup(identity.id, tokenId, p.secret) : undefined;
  }

  async confirmTotp(identity: Identity, tokenId: number, code: string): Promise<MethodOutcome> {
    const r = await this.deps.runtime().totp.confirmPending(identity.id, tokenId, code.replace(/\s+/g, ''));
    if (r.kind !== 'ok') return { ok: false, why: r.kind === 'not_enrolled' ? 'not_found' : r.kind };
    this.enrolled(identity, 'totp');
    return { ok: true };
  }

  /** Sends a code to the typed number (providers and budgets as at a login); nothing is stored yet. */
  async startPhone(
    identity: Identity,
    raw: string,
    correlationId: string,
  ): Promise<
    | { readonly ok: true; readonly challenge: PhoneChallenge }
    | { readonly ok: false; readonly why: 'invalid' | 'sms_unavailable'; readonly detail: string }
  > {
    const sms = this.deps.runtime().sms;
    const checked = this.deps.phones.check(raw);
    if (!checked.ok) return { ok: false, why: 'invalid', detail: checked.error.message };
    if (!sms) return { ok: false, why: 'sms_unavailable', detail: 'SMS is not configured' };
    const sent = await sms.sendTo(identity.id, checked.value.e164, {
      correlationId,
      clientName: PORTAL_CLIENT,
      deadline: this.deps.clock.now() + 30_000,
      signal: NEVER,
    });
    if (sent.kind !== 'prompt' || !sent.data)
      return {
        ok: false,
        why: 'sms_unavailable',
        detail: 'the code could not be sent; try again later or ask your administrator',
      };
    return {
      ok: true,
      challenge: {
        data: sent.data,
        prompt: `Enter the code sent to ${maskForPrompt(checked.value)}.`,
        masked: maskForLog(checked.value),
      },
    };
  }

  async confirmPhone(identity: Identity, challenge: PhoneChallenge, code: string): Promise<MethodOutcome> {
    const sms = this.deps.runtime().sms;
    if (!sms) return { ok: false, why: 'sms_unavailable' };
    const r = await sms.verify(identity.id, code.replace(/\s+/g, ''), this.stepCtx(), challenge.data);
    if (r.kind === 'expired') return { ok: false, why: 'expired' };
    if (r.kind !== 'ok') return { ok: false, why: 'bad_code' };
    this.deps.store.phones.set(identity.id, String(challenge.data.to));
    this.enrolled(identity, 'sms');
    return { ok: true };
  }

  rename(identity: Identity, tokenId: number, label: string): MethodOutcome {
    const clean = label.trim();
    if (!LABEL.test(clean)) return { ok: false, why: 'invalid_label' };
    return this.deps.store.tokens.rename(identity.id, tokenId, clean)
      ? { ok: true }
      : { ok: false, why: 'not_found' };
  }

  /** Removes an app or the stored phone; never the last method where policy requires MFA. */
  async remove(
    identity: Identity,
    method: { kind: 'totp'; tokenId: number } | { kind: 'sms' },
  ): Promise<MethodOutcome> {
    const { store, log } = this.deps;
    const mine = await this.list(identity);
    const count = mine.apps.length + (mine.phone ? 1 : 0);
    if (method.kind === 'totp' && !mine.apps.some((a) => a.id === method.tokenId))
      return { ok: false, why: 'not_found' };
    if (method.kind === 'sms' && !mine.phone) return { ok: false, why: 'not_found' };
    if (method.kind === 'sms' && mine.phone?.source === 'directory')
      return { ok: false, why: 'not_removable' };
    if (mine.mfaRequired && count <= 1) return { ok: false, why: 'last_method' };
    if (method.kind === 'totp') store.tokens.remove(identity.id, method.tokenId);
    else store.phones.remove(identity.id);
    if (store.methods.defaultFor(identity.id) === method.kind && !this.stillHas(identity.id, method.kind))
      store.methods.clear(identity.id);
    log.info(
      { event: 'portal_method_removed', identity: identity.id, method: method.kind },
      'method removed in the portal',
    );
    return { ok: true };
  }

  async setDefault(identity: Identity, kind: string): Promise<MethodOutcome> {
    const mine = await this.list(identity);
    const has = kind === 'totp' ? mine.apps.length > 0 : kind === 'sms' ? mine.phone !== undefined : false;
    if (!has) return { ok: false, why: 'not_found' };
    this.deps.store.methods.setDefault(identity.id, kind);
    return { ok: true };
  }

  private stillHas(identityId: string, kind: 'totp' | 'sms'): boolean {
    return kind === 'totp'
      ? this.deps.store.tokens.listFor(identityId).length > 0
      : this.deps.store.phones.get(identityId) !== undefined;
  }

  /** A first method ends the enrolment window: from now on the password alone is not enough. */
  private enrolled(identity: Identity, kind: 'totp' | 'sms'): void {
    this.deps.store.enrolWindows.close(identity.id);
    this.deps.log.info(
      { event: 'portal_method_enrolled', identity: identity.id, method: kind },
      'method enrolled in the portal',
    );
  }

  private setup(identityId: string, tokenId: number, secret: Buffer): TotpSetup {
    const { totp } = this.deps.config();
    const uri = otpauthUri({
      issuer: totp.issuer,
      account: identityId,
      secret,
      digits: totp.digits,
      period: totp.period,
      algorithm: 'sha1',
    });
    return { tokenId, uri, manualKey: groupKey(base32Encode(secret)) };
  }

  private mask(raw: string): string {
    const n = normalisePhoneNumber(raw, this.defaultCountry());
    return n.ok ? maskForLog(n.value) : '•••';
  }

  private defaultCountry(): { defaultCountry?: string } {
    const c = this.deps.config().sms?.default_country;
    return c ? { defaultCountry: c } : {};
  }

  private stepCtx() {
    return {
      correlationId: 'portal',
      clientName: PORTAL_CLIENT,
      deadline: this.deps.clock.now() + 30_000,
      signal: NEVER,
    };
  }
}
