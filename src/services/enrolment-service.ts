import type { Config } from '../config/schema.js';
import { LockoutPolicy } from '../factors/lockout.js';
import { otpauthUri } from '../factors/otpauth.js';
import { generateTotpSecret } from '../factors/totp.js';
import type { Clock, Rng } from '../shared/clock.js';
import type { AppError } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import type { TokenInfo } from '../store/token-repo.js';
import type { IdentityResolver, ResolvedIdentity } from './identity-resolver.js';

export interface Enrolment {
  readonly identity: ResolvedIdentity;
  readonly token: TokenInfo;
  /** Only for a generated secret: shown once to the person enrolling, then stored encrypted. */
  readonly generated?: { readonly secret: Buffer; readonly uri: string };
}

export interface EnrolmentDeps {
  readonly config: Readonly<Config>;
  readonly store: Store;
  readonly resolver: IdentityResolver;
  readonly rng: Rng;
  readonly clock: Clock;
}

/**
 * Enrol, list, remove and reset TOTP tokens by the name an admin (or, later, the web portal) types.
 * Every name goes through the directory's resolver first, so the stored identity is the one a
 * login finds.
 */
export class EnrolmentService {
  constructor(private readonly deps: EnrolmentDeps) {}

  async enrol(
    name: string,
    opts: { readonly secret?: Buffer; readonly label?: string },
  ): Promise<Result<Enrolment, AppError>> {
    const resolved = await this.deps.resolver.resolve(name);
    if (!resolved.ok) return err(resolved.error);
    const identity = resolved.value;
    const secret = opts.secret ?? generateTotpSecret(this.deps.rng);
    const token = this.deps.store.tokens.add(identity.identityId, { secret, label: opts.label });
    if (opts.secret !== undefined) return ok({ identity, token });
    const { totp } = this.deps.config;
    const uri = otpauthUri({
      issuer: totp.issuer,
      account: identity.identityId,
      secret,
      digits: totp.digits,
      period: totp.period,
      algorithm: 'sha1',
    });
    return ok({ identity, token, generated: { secret, uri } });
  }

  async list(name?: string): Promise<Array<TokenInfo & { readonly lockedUntil: number | undefined }>> {
    const tokens =
      name === undefined
        ? this.deps.store.tokens.listAll()
        : this.deps.store.tokens.listFor(await this.deps.resolver.canonical(name));
    const lockout = this.lockout();
    return tokens.map((t) => {
      const s = lockout.status(t.identityId);
      return { ...t, lockedUntil: s.locked ? s.until : undefined };
    });
  }

  /** The number of tokens removed (0: none matched). */
  async remove(name: string, tokenId?: number): Promise<{ identityId: string; removed: number }> {
    const identityId = await this.deps.resolver.canonical(name);
    return { identityId, removed: this.deps.store.tokens.remove(identityId, tokenId) };
  }

  /** Clears the lockout and the used-code memory. */
  async reset(name: string): Promise<string> {
    const identityId = await this.deps.resolver.canonical(name);
    this.deps.store.tokens.resetSteps(identityId);
    this.lockout().unlock(identityId);
    return identityId;
  }

  private lockout(): LockoutPolicy {
    return lockoutPolicy(this.deps.config, this.deps.store, this.deps.clock);
  }
}

export function lockoutPolicy(config: Readonly<Config>, store: Store, clock: Clock): LockoutPolicy {
  return new LockoutPolicy({
    repo: store.lockouts,
    clock,
    options: {
      maxFailures: config.lockout.max_failures,
      windowSec: config.lockout.window_sec,
      lockSec: config.lockout.lock_sec,
    },
  });
}
