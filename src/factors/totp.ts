import { TOTP, createGuardrails } from 'otplib';
import type { Factor, FactorStart, ReplayGuardPort } from '../pipeline/ports.js';
import type { Clock, Rng } from '../shared/clock.js';
import { type Result, err, ok } from '../shared/result.js';
import type { TokenInfo, TokenRepo } from '../store/token-repo.js';
import { memoOtpCrypto, nodeOtpCrypto } from './otp-crypto.js';

export type TotpResult =
  | { readonly kind: 'ok'; readonly tokenId: number; readonly step: number }
  | { readonly kind: 'bad_code' }
  | { readonly kind: 'replayed' }
  | { readonly kind: 'not_enrolled' };

export interface TotpOptions {
  /** Defaults for new enrolments; verification uses each token's own digits and period. */
  readonly digits: number;
  readonly period: number;
  /** Accepted clock drift in steps on each side (RFC 6238 §5.2 "at most one time step"). */
  readonly window: number;
}

export interface TotpDeps {
  readonly tokens: TokenRepo;
  /** Default: the store's atomic UPDATE of the token's last step (TokenRepo.claimStep). */
  readonly replay?: ReplayGuardPort;
  readonly clock: Clock;
  readonly options: TotpOptions;
}

// otplib v13 refuses seeds under 16 bytes; many deployed Google-Authenticator-style seeds are 10
// bytes (16 base32 characters), so we accept down to 10, matching TokenRepo's MIN_SECRET_BYTES.
// New enrolments get 20 bytes (generateTotpSecret).
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });

/**
 * otplib's TOTP verifier, one instance for every token (each call passes the token's own secret,
 * algorithm, digits and period). Its class API, not the functional `verifySync`: that wrapper
 * re-spreads its options twice per call, which cost about 17 µs here before any HMAC was computed.
 */
const verifier = new TOTP({ crypto: nodeOtpCrypto, guardrails });

/** One compiled pattern per code length (6 or 8): a malformed code never reaches otplib. */
const CODE_PATTERNS = new Map<number, RegExp>();
function codePattern(digits: number): RegExp {
  let re = CODE_PATTERNS.get(digits);
  if (re === undefined) {
    re = new RegExp(`^\\d{${digits}}$`);
    CODE_PATTERNS.set(digits, re);
  }
  return re;
}

/** TOTP (RFC 6238) over the enrolments in TokenRepo. The only importer of otplib. */
export class TotpFactor implements Factor {
  readonly kind = 'totp';
  private readonly replay: ReplayGuardPort;
  readonly codeLengths: readonly number[];
  /** Codes check() accepted lately, by identity (never a seed): see claimPeeked. */
  private readonly peeked = new Map<string, Peek>();

  constructor(private readonly deps: TotpDeps) {
    const tokens = deps.tokens;
    this.replay = deps.replay ?? { claim: async (id, step) => tokens.claimStep(id, step) };
    this.codeLengths = [deps.options.digits];
  }

  async isEnrolled(identity: { readonly id: string }): Promise<boolean> {
    return this.deps.tokens.hasAny(identity.id);
  }

  /** The code is already in the user's app: just ask for it. */
  async start(_identity: unknown, ctx: { readonly prompt: string }): Promise<FactorStart> {
    return { kind: 'prompt', prompt: ctx.prompt };
  }

  /** Verifies and consumes: a code accepted here is never accepted again for the same token. */
  verify(identityId: string, code: string): Promise<TotpResult> {
    return this.run(identityId, code, true);
  }

  /** Verifies without consuming (the pipeline peeks before a bind in auto mode). */
  check(identityId: string, code: string): Promise<TotpResult> {
    return this.run(identityId, code, false);
  }

  /**
   * The portal's enrolment (issue 11): the first code from the app, against the pending token it
   * was shown. A match claims its step (the replay guard: that code never works again, not even at
   * the first login) and activates the token; only then do logins use it.
   */
  async confirmPending(identityId: string, tokenId: number, code: string): Promise<TotpResult> {
    const pending = this.deps.tokens.pendingSecret(identityId, tokenId);
    if (pending === undefined) return { kind: 'not_enrolled' };
    const epoch = Math.floor(this.deps.clock.now() / 1000);
    const m = await this.match(pending.token, pending.secret, code, epoch);
    if (m.kind === 'replayed') return { kind: 'replayed' };
    if (m.kind !== 'ok') return { kind: 'bad_code' };
    if (!(await this.replay.claim(tokenId, m.step))) return { kind: 'replayed' };
    if (!this.deps.tokens.activate(identityId, tokenId)) return { kind: 'not_enrolled' };
    return { kind: 'ok', tokenId, step: m.step };
  }

  private async run(identityId: string, code: string, consume: boolean): Promise<TotpResult> {
    const epoch = Math.floor(this.deps.clock.now() / 1000);
    if (consume) {
      const claimed = await this.claimPeeked(identityId, code, epoch);
      if (claimed !== undefined) return claimed;
    }
    const enrolled = this.deps.tokens.secretsFor(identityId);
    if (enrolled.length === 0) return { kind: 'not_enrolled' };
    let replayed = false;
    // Any of the identity's tokens may match (a phone and a backup hardware token).
    for (const { token, secret } of enrolled) {
      const m = await this.match(token, secret, code, epoch);
      if (m.kind === 'replayed') replayed = true;
      if (m.kind !== 'ok') continue;
      if (!consume) {
        this.remember(identityId, {
          code,
          tokenId: token.id,
          step: m.step,
          at: Math.floor(epoch / token.period),
        });
        return { kind: 'ok', tokenId: token.id, step: m.step };
      }
      // The atomic claim is the real replay guard: two requests carrying the same code, in this
      // process or another, both pass otplib, but only one wins the UPDATE.
      if (await this.replay.claim(token.id, m.step)) {
        return { kind: 'ok', tokenId: token.id, step: m.step };
      }
      replayed = true;
    }
    return replayed ? { kind: 'replayed' } : { kind: 'bad_code' };
  }

  /**
   * Auto mode checks a code, binds, then verifies the same code: otplib's answer for it is still
   * the check's as long as the clock is in the same step and the token still exists, so only the
   * claim runs (no second unseal, no second otplib call). The claim is the same atomic UPDATE; if
   * it loses, the full path decides (it finds the replay, or another token that matches).
   * Undefined: no usable peek, run the full path.
   */
  private async claimPeeked(
    identityId: string,
    code: string,
    epoch: number,
  ): Promise<TotpResult | undefined> {
    const p = this.peeked.get(identityId);
    if (p === undefined) return undefined;
    this.peeked.delete(identityId);
    if (p.code !== code) return undefined;
    const token = this.deps.tokens.enrolledTokens(identityId).find((t) => t.id === p.tokenId);
    if (token === undefined || Math.floor(epoch / token.period) !== p.at) return undefined;
    if (!(await this.replay.claim(token.id, p.step))) return undefined;
    return { kind: 'ok', tokenId: token.id, step: p.step };
  }

  private remember(identityId: string, peek: Peek): void {
    this.peeked.delete(identityId);
    // Logins interleave while they wait for the bind; a check whose verify never came (a wrong
    // password) ages out here, oldest first.
    if (this.peeked.size >= MAX_PEEKED) this.peeked.delete(this.peeked.keys().next().value!);
    this.peeked.set(identityId, peek);
  }

  /**
   * otplib decides; this only chooses what to ask it. The current step first, alone: nearly every
   * code typed is the current one, and otplib walks the window from its oldest step. Then the
   * whole window (RFC 6238 §5.2 drift), then, for a code that is not fresh, the window again
   * without the replay bound to tell a replay from a wrong code. One HMAC memo per check, so each
   * step's HMAC is computed once across the three calls.
   */
  private async match(
    token: TokenInfo,
    secret: Buffer,
    code: string,
    epoch: number,
  ): Promise<{ kind: 'replayed' | 'no' } | { kind: 'ok'; step: number }> {
    // otplib throws on a wrong length or non-digits; a malformed code is just a wrong code.
    if (!codePattern(token.digits).test(code)) return NO;
    const { period, lastStep: last } = token;
    const tolerance = this.deps.options.window * period;
    const current = Math.floor(epoch / period);
    // otplib rejects an afterTimeStep beyond the window's last step (clock moved back): clamping
    // it there still rejects every step in the window, which is what the replay guard wants.
    const maxStep = Math.floor((epoch + tolerance) / period);
    const ask = (epochTolerance: number, afterTimeStep: number | undefined) =>
      verifier.verify(code, {
        secret,
        algorithm: token.algorithm,
        digits: token.digits,
        period,
        epoch,
        epochTolerance,
        afterTimeStep,
        crypto,
      });
    const crypto = memoOtpCrypto();
    try {
      // v13 returns an object, always truthy: test .valid, never the result itself.
      if (last === null || last < current) {
        const now = await ask(0, last ?? undefined);
        if (now.valid) return { kind: 'ok', step: now.timeStep };
      }
      if (tolerance > 0) {
        const fresh = await ask(tolerance, last === null ? undefined : Math.min(last, maxStep));
        if (fresh.valid) return { kind: 'ok', step: fresh.timeStep };
      }
      if (last === null) return NO;
      // Not fresh: a correct code for a step already used is a replay, worth its own reason code.
      const any = await ask(tolerance, undefined);
      return any.valid ? REPLAYED : NO;
    } catch {
      return NO;
    }
  }
}

/** A code check() accepted: which token and step, and the time step it was checked in. */
interface Peek {
  readonly code: string;
  readonly tokenId: number;
  readonly step: number;
  readonly at: number;
}

const MAX_PEEKED = 4096;

const NO = { kind: 'no' } as const;
const REPLAYED = { kind: 'replayed' } as const;

/** A new seed: 20 bytes = 160 bits, the RFC 4226 §4 R6 recommended size (and the HMAC-SHA1 output size). */
export function generateTotpSecret(rng: Rng): Buffer {
  return rng.bytes(20);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32, upper case, without '=' padding (as authenticator apps expect). */
export function base32Encode(data: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export type Base32Error = 'invalid_character' | 'invalid_length' | 'empty';

/**
 * Decodes base32 as people type it: case-insensitive, spaces/hyphens and '=' padding ignored.
 * RFC 4648 §6: 1, 3 or 6 trailing characters can never result from encoding whole bytes.
 */
export function base32Decode(text: string): Result<Buffer, Base32Error> {
  const clean = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (clean.length === 0) return err('empty');
  if ([1, 3, 6].includes(clean.length % 8)) return err('invalid_length');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return err('invalid_character');
    value = ((value << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return ok(Buffer.from(out));
}

/**
 * One code against one seed outside the token store (an admin's sign-in, src/web/admin/): the
 * RFC 6238 §5.2 window on each side, and only steps after `afterStep` (the caller's replay guard
 * claims the returned step atomically). Returns the matched step, or undefined.
 */
export async function matchTotpCode(
  secret: Buffer,
  code: string,
  opts: { readonly epochSec: number; readonly window: number; readonly afterStep: number | null },
): Promise<number | undefined> {
  if (!codePattern(6).test(code)) return undefined;
  const period = 30;
  const maxStep = Math.floor((opts.epochSec + opts.window * period) / period);
  try {
    const r = await verifier.verify(code, {
      secret,
      algorithm: 'sha1',
      digits: 6,
      period,
      epoch: opts.epochSec,
      epochTolerance: opts.window * period,
      afterTimeStep: opts.afterStep === null ? undefined : Math.min(opts.afterStep, maxStep),
      crypto: nodeOtpCrypto,
    });
    // v13 returns an object, always truthy: test .valid.
    return r.valid ? r.timeStep : undefined;
  } catch {
    return undefined;
  }
}
