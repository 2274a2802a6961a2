import { type Clock, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { Database } from './database.js';
import { identityKey } from '../shared/identity-key.js';
import { SealedRowCache } from './sealed-row-cache.js';
import type { SecretBox } from './secret-box.js';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type TotpDigits = 6 | 8;

/** A TOTP enrolment as admins and the factor see it. Never carries the secret. */
export interface TokenInfo {
  readonly id: number;
  readonly identityId: string;
  readonly label: string | null;
  readonly algorithm: TotpAlgorithm;
  readonly digits: TotpDigits;
  readonly period: number;
  readonly createdAt: number;
  /** The last RFC 6238 time step accepted (replay guard), or null if never used. */
  readonly lastStep: number | null;
  /** Enrolled in the portal and not yet confirmed with a code: logins never use it (migration 5). */
  readonly pending: boolean;
}

export interface NewToken {
  readonly secret: Buffer;
  readonly digits?: TotpDigits;
  readonly period?: number;
  readonly algorithm?: TotpAlgorithm;
  readonly label?: string;
  /** Stored inactive until `activate` (the portal: after the user typed a valid code). */
  readonly pending?: boolean;
}

interface TokenRow {
  id: number;
  identity: string;
  label: string | null;
  algorithm: string;
  digits: number;
  period: number;
  created_at: number;
  last_step: number | null;
  pending_activation: number;
}

interface SealedRow extends TokenRow {
  secret_sealed: Buffer;
}

const COLUMNS = 'id, identity, label, algorithm, digits, period, created_at, last_step, pending_activation';
// RFC 4226 §4 R6 requires 128 bits and recommends 160; 10 bytes (80 bits) is still accepted because
// many deployed Google-Authenticator-style seeds are 16 base32 characters. 64 = SHA-512 block size.
export const MIN_SECRET_BYTES = 10;
export const MAX_SECRET_BYTES = 64;

const toInfo = (r: TokenRow): TokenInfo => ({
  id: r.id,
  identityId: r.identity,
  label: r.label,
  algorithm: r.algorithm as TotpAlgorithm,
  digits: r.digits as TotpDigits,
  period: r.period,
  createdAt: r.created_at,
  lastStep: r.last_step,
  pending: r.pending_activation === 1,
});

/** Binds a sealed seed to its row: a blob moved to another row or identity fails to open. */
const aadFor = (identity: string, id: number): string => `totp:${identity}:${id}`;

/** TOTP enrolments, keyed by canonical identity id (not by local user: see migrations.ts). */
export class TokenRepo {
  /** Sealed rows per identity for the login path (hasAny, secretsFor); see sealed-row-cache.ts. */
  private readonly cache: SealedRowCache<SealedRow>;

  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly clock: Clock = systemClock,
    /** Tests pass one with a manual clock (its refresh interval). */
    cache?: SealedRowCache<SealedRow>,
  ) {
    this.cache = cache ?? new SealedRowCache(db);
  }

  /** Returns once the enrolment is committed (and, with synchronous=FULL, on disk). */
  add(identityId: string, token: NewToken): TokenInfo {
    const identity = identityKey(identityId);
    const { secret, digits = 6, period = 30, algorithm = 'sha1', label = null, pending = false } = token;
    if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
      throw new AppError(
        ErrorCodes.TOKEN_SECRET_INVALID,
        `a TOTP secret must be ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes, got ${secret.length}`,
        { identityId: identity },
      );
    }
    if (!Number.isInteger(period) || period < 10 || period > 300 || (digits !== 6 && digits !== 8)) {
      throw new AppError(ErrorCodes.STORE, 'TOTP period must be 10-300 s and digits 6 or 8', {
        period,
        digits,
      });
    }
    // The row id is part of the AAD, so insert first and seal inside the same transaction:
    // nothing half-written is ever visible or survives a crash.
    const insert = this.db.transaction((): TokenRow => {
      const row = this.db
        .prepare<[string, string | null, string, number, number, Buffer, number, number], TokenRow>(
          `INSERT INTO totp_tokens
             (identity, label, algorithm, digits, period, secret_sealed, created_at, pending_activation)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        )
        .get(identity, label, algorithm, digits, period, Buffer.alloc(0), this.clock.now(), pending ? 1 : 0)!;
      const sealed = this.box.seal(secret, aadFor(identity, row.id));
      this.db
        .prepare<[Buffer, number]>('UPDATE totp_tokens SET secret_sealed = ? WHERE id = ?')
        .run(sealed, row.id);
      return row;
    });
    const info = toInfo(insert.immediate());
    this.cache.clear();
    return info;
  }

  /** The identity's active tokens (pending ones only with `includePending`). */
  listFor(identityId: string, opts: { readonly includePending?: boolean } = {}): TokenInfo[] {
    const where = opts.includePending ? '' : ' AND pending_activation = 0';
    return this.db
      .prepare<[string], TokenRow>(
        `SELECT ${COLUMNS} FROM totp_tokens WHERE identity = ?${where} ORDER BY id`,
      )
      .all(identityKey(identityId))
      .map(toInfo);
  }

  listAll(): TokenInfo[] {
    return this.db
      .prepare<[], TokenRow>(
        `SELECT ${COLUMNS} FROM totp_tokens WHERE pending_activation = 0 ORDER BY identity, id`,
      )
      .all()
      .map(toInfo);
  }

  count(): number {
    return this.db
      .prepare<[], { n: number }>('SELECT count(*) AS n FROM totp_tokens WHERE pending_activation = 0')
      .get()!.n;
  }

  /** A pending token's seed, to check the first code against (undefined: none such, or active). */
  pendingSecret(identityId: string, tokenId: number): { token: TokenInfo; secret: Buffer } | undefined {
    const r = this.db
      .prepare<[string, number], SealedRow>(
        `SELECT ${COLUMNS}, secret_sealed FROM totp_tokens
         WHERE identity = ? AND id = ? AND pending_activation = 1`,
      )
      .get(identityKey(identityId), tokenId);
    return r
      ? { token: toInfo(r), secret: this.box.open(r.secret_sealed, aadFor(r.identity, r.id)) }
      : undefined;
  }

  /** A pending token becomes one logins use; false when it was not pending (or not this identity's). */
  activate(identityId: string, tokenId: number): boolean {
    this.cache.clear();
    return (
      this.db
        .prepare<[string, number]>(
          'UPDATE totp_tokens SET pending_activation = 0 WHERE identity = ? AND id = ? AND pending_activation = 1',
        )
        .run(identityKey(identityId), tokenId).changes === 1
    );
  }

  /** Drops the identity's unconfirmed tokens (a new enrolment replaces an abandoned one). */
  removePending(identityId: string): number {
    this.cache.clear();
    return this.db
      .prepare<[string]>('DELETE FROM totp_tokens WHERE identity = ? AND pending_activation = 1')
      .run(identityKey(identityId)).changes;
  }

  /** Renames one of the identity's tokens; false when it has no such token. */
  rename(identityId: string, tokenId: number, label: string | null): boolean {
    this.cache.clear();
    return (
      this.db
        .prepare<[string | null, string, number]>(
          'UPDATE totp_tokens SET label = ? WHERE identity = ? AND id = ?',
        )
        .run(label, identityKey(identityId), tokenId).changes === 1
    );
  }

  hasAny(identityId: string): boolean {
    return this.sealedRows(identityKey(identityId)).length > 0;
  }

  /** Removes one token (tokenId) or all of the identity's tokens; returns how many were removed. */
  remove(identityId: string, tokenId?: number): number {
    const identity = identityKey(identityId);
    this.cache.clear();
    if (tokenId === undefined) {
      return this.db.prepare<[string]>('DELETE FROM totp_tokens WHERE identity = ?').run(identity).changes;
    }
    return this.db
      .prepare<[string, number]>('DELETE FROM totp_tokens WHERE identity = ? AND id = ?')
      .run(identity, tokenId).changes;
  }

  /** The identity's enrolments without opening any seed (from the login path's cache). */
  enrolledTokens(identityId: string): TokenInfo[] {
    return this.sealedRows(identityKey(identityId)).map(toInfo);
  }

  /** Decrypted seeds; throws AppError STORE if a row fails to open (tampering or wrong key). */
  secretsFor(identityId: string): Array<{ token: TokenInfo; secret: Buffer }> {
    return this.sealedRows(identityKey(identityId)).map((r) => ({
      token: toInfo(r),
      secret: this.box.open(r.secret_sealed, aadFor(r.identity, r.id)),
    }));
  }

  /** The identity's rows, seeds sealed; from the cache while no other connection has written. */
  private sealedRows(identity: string): readonly SealedRow[] {
    return this.cache.get(identity, () =>
      this.db
        .prepare<[string], SealedRow>(
          `SELECT ${COLUMNS}, secret_sealed FROM totp_tokens WHERE identity = ? AND pending_activation = 0 ORDER BY id`,
        )
        .all(identity),
    );
  }

  /**
   * Replay guard (RFC 6238 §5.2: a verifier must not accept the same OTP twice). One conditional
   * UPDATE, atomic across connections and processes: exactly one caller claims a given step, and a
   * step at or before the last accepted one is never claimable again.
   */
  claimStep(tokenId: number, step: number): boolean {
    const won =
      this.db
        .prepare<[number, number, number]>(
          'UPDATE totp_tokens SET last_step = ? WHERE id = ? AND (last_step IS NULL OR last_step < ?)',
        )
        .run(step, tokenId, step).changes === 1;
    // Our own commit does not change data_version: keep the cached row in step with it. A lost
    // claim means another connection wrote, which data_version reports at the next look-up.
    const cached = this.cache.row(tokenId);
    if (won && cached !== undefined) cached.last_step = step;
    return won;
  }

  /** Forgets the replay state of the identity's tokens (admin resync after a clock problem). */
  resetSteps(identityId: string): number {
    this.cache.clear();
    return this.db
      .prepare<[string]>('UPDATE totp_tokens SET last_step = NULL WHERE identity = ?')
      .run(identityKey(identityId)).changes;
  }
}
