import { type Clock, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { identityKey } from '../shared/identity-key.js';
import type { Database } from './database.js';
import type { SecretBox } from './secret-box.js';

/** An admin account as the CLI lists it: never the hash, never the seed. */
export interface AdminInfo {
  readonly id: number;
  readonly name: string;
  readonly createdAt: number;
}

/** What the sign-in needs: the hash to verify, the seed (opened), the replay guard's step. */
export interface AdminCredentials extends AdminInfo {
  readonly passwordHash: string;
  readonly totpSecret: Buffer;
  readonly lastStep: number | null;
}

interface AdminRow {
  id: number;
  name: string;
  name_key: string;
  password_hash: string;
  totp_sealed: Buffer;
  last_step: number | null;
  created_at: number;
}

// The same rule as local user names (user-repo.ts), and short enough for an audit line.
const MAX_NAME = 64;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

/** Binds the sealed seed to its account: a blob copied to another admin's row fails to open. */
const aadFor = (nameKey: string): string => `admin-totp:${nameKey}`;

/**
 * Admin accounts of the admin pages (migration 6), apart from the RADIUS users: an admin is not a
 * VPN user, and a VPN user's enrolment never opens the admin pages.
 */
export class AdminRepo {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly clock: Clock = systemClock,
  ) {}

  add(name: string, passwordHash: string, totpSecret: Buffer): AdminInfo {
    checkAdminName(name);
    const key = identityKey(name);
    try {
      const row = this.db
        .prepare<[string, string, string, Buffer, number], AdminRow>(
          `INSERT INTO admin_accounts (name, name_key, password_hash, totp_sealed, created_at)
           VALUES (?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(name, key, passwordHash, this.box.seal(totpSecret, aadFor(key)), this.clock.now())!;
      return { id: row.id, name: row.name, createdAt: row.created_at };
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new AppError(ErrorCodes.ADMIN_EXISTS, `admin '${name}' already exists (names ignore case)`, {
          name,
        });
      throw e;
    }
  }

  list(): AdminInfo[] {
    return this.db
      .prepare<[], AdminRow>('SELECT * FROM admin_accounts ORDER BY name_key')
      .all()
      .map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  /** The account with its seed opened; undefined for an unknown name. */
  credentials(name: string): AdminCredentials | undefined {
    const r = this.db
      .prepare<[string], AdminRow>('SELECT * FROM admin_accounts WHERE name_key = ?')
      .get(identityKey(name));
    if (!r) return undefined;
    return {
      id: r.id,
      name: r.name,
      createdAt: r.created_at,
      passwordHash: r.password_hash,
      totpSecret: this.box.open(r.totp_sealed, aadFor(r.name_key)),
      lastStep: r.last_step,
    };
  }

  /** Cheap check for every admin page: an account removed (by the CLI) ends its sessions at once. */
  exists(name: string): boolean {
    return (
      this.db
        .prepare<[string], { x: number }>('SELECT 1 AS x FROM admin_accounts WHERE name_key = ?')
        .get(identityKey(name)) !== undefined
    );
  }

  remove(name: string): boolean {
    return (
      this.db.prepare<[string]>('DELETE FROM admin_accounts WHERE name_key = ?').run(identityKey(name))
        .changes === 1
    );
  }

  setPassword(name: string, passwordHash: string): void {
    const n = this.db
      .prepare<[string, string]>('UPDATE admin_accounts SET password_hash = ? WHERE name_key = ?')
      .run(passwordHash, identityKey(name)).changes;
    if (n !== 1) throw new AppError(ErrorCodes.ADMIN_NOT_FOUND, `no admin named '${name}'`, { name });
  }

  /** RFC 6238 §5.2 replay guard, atomic as TokenRepo.claimStep: a code is accepted once. */
  claimStep(id: number, step: number): boolean {
    return (
      this.db
        .prepare<[number, number, number]>(
          'UPDATE admin_accounts SET last_step = ? WHERE id = ? AND (last_step IS NULL OR last_step < ?)',
        )
        .run(step, id, step).changes === 1
    );
  }
}

export function checkAdminName(name: string): void {
  if (!NAME.test(name) || name.length > MAX_NAME)
    throw new AppError(
      ErrorCodes.USAGE,
      `an admin name is 1-${MAX_NAME} letters, digits, ".", "_", "@" or "-", starting with a letter or digit`,
      { name },
    );
}
