import { type Clock, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { Database } from './database.js';
import { identityKey } from '../shared/identity-key.js';

export interface LocalUser {
  readonly id: number;
  /** The name as it was added (for display); lookups ignore case. */
  readonly name: string;
  readonly passwordHash: string;
  readonly mfaExempt: boolean;
  readonly createdAt: number;
}

interface UserRow {
  id: number;
  name: string;
  password_hash: string;
  mfa_exempt: number;
  created_at: number;
}

const COLUMNS = 'id, name, password_hash, mfa_exempt, created_at';
// RFC 2865 §5.1: User-Name is at most 253 octets; control characters only ever come from mistakes.
const MAX_NAME_BYTES = 253;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

const toUser = (r: UserRow): LocalUser => ({
  id: r.id,
  name: r.name,
  passwordHash: r.password_hash,
  mfaExempt: r.mfa_exempt === 1,
  createdAt: r.created_at,
});

/** The local password directory. Names are matched case-insensitively (identity-key.ts). */
export class UserRepo {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  add(name: string, passwordHash: string, opts: { mfaExempt?: boolean } = {}): LocalUser {
    checkName(name);
    try {
      const row = this.db
        .prepare<[string, string, string, number, number], UserRow>(
          `INSERT INTO users (name, name_key, password_hash, mfa_exempt, created_at)
           VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        )
        .get(name, identityKey(name), passwordHash, opts.mfaExempt ? 1 : 0, this.clock.now());
      return toUser(row!);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AppError(ErrorCodes.USER_EXISTS, `user '${name}' already exists (names ignore case)`, {
          name,
        });
      }
      throw e;
    }
  }

  get(name: string): LocalUser | undefined {
    const row = this.db
      .prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE name_key = ?`)
      .get(identityKey(name));
    return row ? toUser(row) : undefined;
  }

  list(): LocalUser[] {
    return this.db.prepare<[], UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY name_key`).all().map(toUser);
  }

  remove(name: string): boolean {
    return (
      this.db.prepare<[string]>('DELETE FROM users WHERE name_key = ?').run(identityKey(name)).changes === 1
    );
  }

  setPassword(name: string, passwordHash: string): void {
    this.updateOne(name, 'UPDATE users SET password_hash = ? WHERE name_key = ?', passwordHash);
  }

  setExempt(name: string, exempt: boolean): void {
    this.updateOne(name, 'UPDATE users SET mfa_exempt = ? WHERE name_key = ?', exempt ? 1 : 0);
  }

  private updateOne(name: string, sql: string, value: string | number): void {
    const changes = this.db.prepare<[string | number, string]>(sql).run(value, identityKey(name)).changes;
    if (changes !== 1) {
      throw new AppError(ErrorCodes.USER_NOT_FOUND, `no such user '${name}'`, { name });
    }
  }
}

function checkName(name: string): void {
  if (name.length === 0 || name.trim() !== name || CONTROL.test(name)) {
    throw new AppError(
      ErrorCodes.USER_NAME_INVALID,
      'a user name must be non-empty, without control characters or surrounding spaces',
      {
        name,
      },
    );
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw new AppError(ErrorCodes.USER_NAME_INVALID, `a user name is at most ${MAX_NAME_BYTES} bytes`, {
      name,
    });
  }
}
