import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';

/** Each user's own default method (`method default`; the portal later), by identity. */
export class MethodRepo {
  constructor(private readonly db: Database) {}

  setDefault(identityId: string, kind: string): void {
    this.db
      .prepare<[string, string]>(
        `INSERT INTO method_defaults (identity, kind) VALUES (?, ?)
         ON CONFLICT (identity) DO UPDATE SET kind = excluded.kind`,
      )
      .run(identityKey(identityId), kind);
  }

  defaultFor(identityId: string): string | undefined {
    return this.db
      .prepare<[string], { kind: string }>('SELECT kind FROM method_defaults WHERE identity = ?')
      .get(identityKey(identityId))?.kind;
  }

  clear(identityId: string): boolean {
    return (
      this.db.prepare<[string]>('DELETE FROM method_defaults WHERE identity = ?').run(identityKey(identityId))
        .changes > 0
    );
  }
}
