import { join } from 'node:path';
import { type Clock, type Rng, cryptoRng, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { AdminRepo } from './admin-repo.js';
import { type Database, openDatabase } from './database.js';
import { EnrolLinkRepo } from './enrol-link-repo.js';
import { EnrolWindowRepo } from './enrol-window-repo.js';
import { LockoutRepo } from './lockout-repo.js';
import { SecretBox } from './secret-box.js';
import { MethodRepo } from './method-repo.js';
import { PhoneRepo } from './phone-repo.js';
import { SmsBudgetRepo } from './sms-budget-repo.js';
import { TokenRepo } from './token-repo.js';
import { UserRepo } from './user-repo.js';

export const KEY_FILE = 'secret.key';
const KEY_CHECK = 'key_check';
const KEY_CHECK_AAD = 'meta:key_check';
const KEY_CHECK_TEXT = Buffer.from('mfa-radius-proxy key check v1');

export interface StoreOptions {
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** FULL (default) for enrolments; NORMAL for the server's login-rate writes (see database.ts). */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

/**
 * Persistent state under one data directory: `mfa.db` (SQLite) and `secret.key` (AES key for
 * seeds at rest). Several processes (the server, the CLI) may open the same directory at once.
 */
export class Store {
  private constructor(
    private readonly db: Database,
    readonly users: UserRepo,
    readonly tokens: TokenRepo,
    readonly lockouts: LockoutRepo,
    readonly dataDir: string,
    readonly smsBudgets: SmsBudgetRepo,
    readonly phones: PhoneRepo,
    readonly methods: MethodRepo,
    readonly enrolLinks: EnrolLinkRepo,
    readonly enrolWindows: EnrolWindowRepo,
    readonly admins: AdminRepo,
  ) {}

  static open(dataDir: string, opts: StoreOptions = {}): Store {
    const clock = opts.clock ?? systemClock;
    const db = openDatabase(dataDir, undefined, { synchronous: opts.synchronous });
    try {
      const box = openKey(db, join(dataDir, KEY_FILE), opts.rng ?? cryptoRng);
      return new Store(
        db,
        new UserRepo(db, clock),
        new TokenRepo(db, box, clock),
        new LockoutRepo(db),
        dataDir,
        new SmsBudgetRepo(db),
        new PhoneRepo(db, clock),
        new MethodRepo(db),
        new EnrolLinkRepo(db),
        new EnrolWindowRepo(db),
        new AdminRepo(db, box, clock),
      );
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Changes whenever another connection (the CLI, another process) committed to the store:
   * https://sqlite.org/pragma.html#pragma_data_version. Caches of what an admin may change use it.
   */
  externalVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * A sealed canary in `meta` ties the key file to the database. Without it, a lost or swapped key
 * file would show up only at the next TOTP login, as every enrolment failing; with it the process
 * refuses to start, and a missing key is never silently replaced by a new one.
 */
function openKey(db: Database, keyFile: string, rng: Rng): SecretBox {
  const row = db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?').get(KEY_CHECK);
  if (!row) {
    const box = SecretBox.openOrCreate(keyFile, rng);
    // OR IGNORE: a concurrent first start may have written its canary (with the same key) first.
    db.prepare<[string, Buffer]>('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(
      KEY_CHECK,
      box.seal(KEY_CHECK_TEXT, KEY_CHECK_AAD),
    );
    return box;
  }
  const box = SecretBox.open(keyFile);
  try {
    box.open(row.value, KEY_CHECK_AAD);
  } catch (cause) {
    throw new AppError(
      ErrorCodes.KEY_FILE,
      `${keyFile}: this key file does not belong to the database in the same directory; restore the matching key from backup`,
      { keyFile },
      { cause },
    );
  }
  return box;
}
