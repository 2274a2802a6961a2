import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';

/**
 * Enrolment windows (migration 5): under `unenrolled: enroll`, a RADIUS login of a user with no
 * method, whose password was right, opens one; inside it the portal lets that user sign in with
 * the password alone to enrol a first method.
 */
export class EnrolWindowRepo {
  constructor(private readonly db: Database) {}

  /** Opens (or extends) the identity's window until `expiresAt`. */
  open(identityId: string, now: number, expiresAt: number): void {
    this.db
      .prepare<[string, number, number]>(
        `INSERT INTO enrol_windows (identity, opened_at, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (identity) DO UPDATE SET opened_at = excluded.opened_at, expires_at = excluded.expires_at`,
      )
      .run(identityKey(identityId), now, expiresAt);
  }

  /** Clock ms at which the open window ends; undefined when none is open at `now`. */
  openUntil(identityId: string, now: number): number | undefined {
    const r = this.db
      .prepare<[string, number], { expires_at: number }>(
        'SELECT expires_at FROM enrol_windows WHERE identity = ? AND expires_at > ?',
      )
      .get(identityKey(identityId), now);
    return r?.expires_at;
  }

  /** The window is used up by a first enrolment (or ends when an admin says so). */
  close(identityId: string): void {
    this.db.prepare<[string]>('DELETE FROM enrol_windows WHERE identity = ?').run(identityKey(identityId));
  }

  prune(now: number): number {
    return this.db.prepare<[number]>('DELETE FROM enrol_windows WHERE expires_at <= ?').run(now).changes;
  }
}
