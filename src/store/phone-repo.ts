import { type Clock, systemClock } from '../shared/clock.js';
import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';

/**
 * Phone numbers enrolled for SMS codes, by identity (E.164, normalised before they get here).
 * Users whose directory holds a mobile number need no row; one here wins over the directory's.
 */
export class PhoneRepo {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Returns once the enrolment is committed. */
  set(identityId: string, e164: string): void {
    this.db
      .prepare<[string, string, number]>(
        `INSERT INTO sms_phones (identity, e164, created_at) VALUES (?, ?, ?)
         ON CONFLICT (identity) DO UPDATE SET e164 = excluded.e164, created_at = excluded.created_at`,
      )
      .run(identityKey(identityId), e164, this.clock.now());
  }

  get(identityId: string): string | undefined {
    return this.db
      .prepare<[string], { e164: string }>('SELECT e164 FROM sms_phones WHERE identity = ?')
      .get(identityKey(identityId))?.e164;
  }

  remove(identityId: string): boolean {
    return (
      this.db.prepare<[string]>('DELETE FROM sms_phones WHERE identity = ?').run(identityKey(identityId))
        .changes > 0
    );
  }

  list(): Array<{ identityId: string; e164: string; createdAt: number }> {
    return this.db
      .prepare<[], { identity: string; e164: string; created_at: number }>(
        'SELECT identity, e164, created_at FROM sms_phones ORDER BY identity',
      )
      .all()
      .map((r) => ({ identityId: r.identity, e164: r.e164, createdAt: r.created_at }));
  }
}
