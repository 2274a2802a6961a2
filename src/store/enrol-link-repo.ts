import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';

/** An enrolment link as admins see it: never the token, only when it was made, ends and was used. */
export interface EnrolLinkRow {
  readonly id: number;
  readonly identityId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
}

interface Row {
  id: number;
  identity: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

const COLUMNS = 'id, identity, created_at, expires_at, used_at, revoked_at';

const toRow = (r: Row): EnrolLinkRow => ({
  id: r.id,
  identityId: r.identity,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  revokedAt: r.revoked_at,
});

/** One-time enrolment links (migration 5). Only a SHA-256 of each link's token is stored. */
export class EnrolLinkRepo {
  constructor(private readonly db: Database) {}

  add(identityId: string, tokenHash: Buffer, createdAt: number, expiresAt: number): EnrolLinkRow {
    return toRow(
      this.db
        .prepare<[string, Buffer, number, number], Row>(
          `INSERT INTO enrol_links (identity, token_hash, created_at, expires_at)
           VALUES (?, ?, ?, ?) RETURNING ${COLUMNS}`,
        )
        .get(identityKey(identityId), tokenHash, createdAt, expiresAt)!,
    );
  }

  /**
   * Uses the link once: one conditional UPDATE, so two tabs (or two processes) racing with the same
   * link cannot both win. Undefined when no live link has this hash.
   */
  redeem(tokenHash: Buffer, now: number): EnrolLinkRow | undefined {
    const r = this.db
      .prepare<[number, Buffer, number], Row>(
        `UPDATE enrol_links SET used_at = ?
         WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?
         RETURNING ${COLUMNS}`,
      )
      .get(now, tokenHash, now);
    return r ? toRow(r) : undefined;
  }

  /** The row a hash names, whatever its state (to tell "used" from "expired" from "unknown"). */
  byHash(tokenHash: Buffer): EnrolLinkRow | undefined {
    const r = this.db
      .prepare<[Buffer], Row>(`SELECT ${COLUMNS} FROM enrol_links WHERE token_hash = ?`)
      .get(tokenHash);
    return r ? toRow(r) : undefined;
  }

  list(): EnrolLinkRow[] {
    return this.db.prepare<[], Row>(`SELECT ${COLUMNS} FROM enrol_links ORDER BY id DESC`).all().map(toRow);
  }

  /** False when no unused, unrevoked link has this id. */
  revoke(id: number, now: number): boolean {
    return (
      this.db
        .prepare<[number, number]>(
          'UPDATE enrol_links SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
        )
        .run(now, id).changes === 1
    );
  }

  /** Links whose lifetime ended before `before` (kept a while for the admin's list). */
  prune(before: number): number {
    return this.db.prepare<[number]>('DELETE FROM enrol_links WHERE expires_at < ?').run(before).changes;
  }
}
