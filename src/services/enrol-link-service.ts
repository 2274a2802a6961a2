import { createHash } from 'node:crypto';
import type { Clock, Rng } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import type { EnrolLinkRow } from '../store/enrol-link-repo.js';
import type { Store } from '../store/store.js';
import type { IdentityResolver } from './identity-resolver.js';

export interface EnrolLinkDeps {
  readonly store: Store;
  readonly resolver: IdentityResolver;
  readonly clock: Clock;
  readonly rng: Rng;
  /** `http.public_url`; undefined when not configured (then no link can be made). */
  readonly publicUrl: string | undefined;
  /** `portal.enabled` */
  readonly portalEnabled: boolean;
  /** `portal.link_ttl_sec`: the lifetime of a link made without `ttlSec`. */
  readonly defaultTtlSec: number;
  /** Named in the message when the portal is not configured. */
  readonly configFile: string;
}

export interface EnrolLink {
  readonly id: number;
  readonly identityId: string;
  /** The one place the token ever appears: hand it to the user, never log it. */
  readonly url: string;
  /** Clock ms */
  readonly expiresAt: number;
}

export type EnrolLinkState = 'active' | 'used' | 'expired' | 'revoked';

export interface EnrolLinkInfo extends EnrolLinkRow {
  readonly state: EnrolLinkState;
}

/** Why a token does not sign anyone in (the page says which, the log too). */
export type LinkRefusal = 'unknown' | 'used' | 'expired' | 'revoked';

/** Bounds on `ttlSec`: a minute to 30 days. */
export const MIN_LINK_TTL_SEC = 60;
export const MAX_LINK_TTL_SEC = 30 * 86_400;

const KEEP_ENDED_MS = 30 * 86_400_000;

/** 32 bytes from the CSPRNG: 256 bits, base64url in the link (RFC 4648 §5). */
const TOKEN_BYTES = 32;

/** Only this is stored: a leaked database names no working link. */
export function linkTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * One-time enrolment links (issue 11 item 2): an admin makes one for a user (CLI `enrol-link`, the
 * admin page), the user opens it and enrols a first method without a second factor. A link works
 * once, until it expires or is revoked.
 */
export class EnrolLinkService {
  constructor(private readonly deps: EnrolLinkDeps) {}

  async create(name: string, opts: { readonly ttlSec?: number } = {}): Promise<Result<EnrolLink, AppError>> {
    const { publicUrl, portalEnabled, configFile } = this.deps;
    if (publicUrl === undefined || !portalEnabled)
      return err(
        new AppError(
          ErrorCodes.PORTAL_NOT_CONFIGURED,
          publicUrl === undefined
            ? `${configFile}: an enrolment link points at http.public_url + /portal/link, and http.public_url is not set; set it (README, "Self-service portal")`
            : `${configFile}: portal.enabled is false, so no link could be used; enable the portal first`,
          { file: configFile },
        ),
      );
    const ttlSec = opts.ttlSec ?? this.deps.defaultTtlSec;
    if (!Number.isInteger(ttlSec) || ttlSec < MIN_LINK_TTL_SEC || ttlSec > MAX_LINK_TTL_SEC)
      return err(
        new AppError(
          ErrorCodes.USAGE,
          `the link's lifetime must be a whole number of seconds from ${MIN_LINK_TTL_SEC} to ${MAX_LINK_TTL_SEC} (30 days), got ${String(ttlSec)}`,
          { ttlSec },
        ),
      );
    const who = await this.deps.resolver.resolve(name);
    if (!who.ok) return err(who.error);
    const token = this.deps.rng.bytes(TOKEN_BYTES).toString('base64url');
    const now = this.deps.clock.now();
    // Links that ended over 30 days ago leave the admin's list (and the table).
    this.deps.store.enrolLinks.prune(now - KEEP_ENDED_MS);
    const row = this.deps.store.enrolLinks.add(
      who.value.identityId,
      linkTokenHash(token),
      now,
      now + ttlSec * 1000,
    );
    return ok({
      id: row.id,
      identityId: row.identityId,
      url: `${publicUrl.replace(/\/+$/, '')}/portal/link?t=${token}`,
      expiresAt: row.expiresAt,
    });
  }

  list(): EnrolLinkInfo[] {
    const now = this.deps.clock.now();
    return this.deps.store.enrolLinks.list().map((r) => ({ ...r, state: stateOf(r, now) }));
  }

  revoke(id: number): Result<void, AppError> {
    if (this.deps.store.enrolLinks.revoke(id, this.deps.clock.now())) return ok(undefined);
    return err(
      new AppError(ErrorCodes.ENROL_LINK_NOT_FOUND, `no unused enrolment link with id ${id}`, { id }),
    );
  }

  /** Whose link this is, if it still works; nothing is used up (the portal asks first). */
  peek(token: string): Result<EnrolLinkRow, LinkRefusal> {
    const row = this.deps.store.enrolLinks.byHash(linkTokenHash(token));
    if (!row) return err('unknown');
    const state = stateOf(row, this.deps.clock.now());
    return state === 'active' ? ok(row) : err(state);
  }

  /** Uses the link up (once, atomically); the refusal says why it did not work. */
  redeem(token: string): Result<EnrolLinkRow, LinkRefusal> {
    const hash = linkTokenHash(token);
    const row = this.deps.store.enrolLinks.redeem(hash, this.deps.clock.now());
    if (row) return ok(row);
    const seen = this.deps.store.enrolLinks.byHash(hash);
    if (!seen) return err('unknown');
    const state = stateOf(seen, this.deps.clock.now());
    return err(state === 'active' ? 'used' : state);
  }
}

function stateOf(r: EnrolLinkRow, now: number): EnrolLinkState {
  if (r.revokedAt !== null) return 'revoked';
  if (r.usedAt !== null) return 'used';
  return r.expiresAt <= now ? 'expired' : 'active';
}
