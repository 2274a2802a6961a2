/**
 * Schema migrations, applied in order inside one IMMEDIATE transaction by database.ts and recorded
 * in schema_migrations. Never edit a released entry: append a new version instead.
 *
 * Identities (enrolments, lockouts) are plain canonical strings (see identity-key.ts), not foreign
 * keys to `users`: with LDAP/AD or an upstream RADIUS server the person has no local row.
 * Times are integer milliseconds since the epoch (Clock.now()).
 */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) STRICT;

      -- The local password directory only.
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        name_key      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        mfa_exempt    INTEGER NOT NULL DEFAULT 0 CHECK (mfa_exempt IN (0, 1)),
        created_at    INTEGER NOT NULL
      ) STRICT;

      -- AUTOINCREMENT: ids are never reused, so the AAD 'totp:<identity>:<id>' names one row forever.
      CREATE TABLE totp_tokens (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        identity      TEXT NOT NULL,
        label         TEXT,
        algorithm     TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
        digits        INTEGER NOT NULL CHECK (digits IN (6, 8)),
        period        INTEGER NOT NULL CHECK (period BETWEEN 10 AND 300),
        secret_sealed BLOB NOT NULL,
        last_step     INTEGER,
        created_at    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX totp_tokens_identity ON totp_tokens (identity);

      CREATE TABLE auth_failures (
        id       INTEGER PRIMARY KEY,
        identity TEXT NOT NULL,
        at       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX auth_failures_identity_at ON auth_failures (identity, at);
      CREATE INDEX auth_failures_at ON auth_failures (at);

      CREATE TABLE lockouts (
        identity     TEXT PRIMARY KEY,
        locked_at    INTEGER NOT NULL,
        locked_until INTEGER NOT NULL,
        failures     INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // SMS toll-fraud budgets (src/sms/sms-budget.ts): one row per counter and fixed window, so a
    // restart does not hand out a fresh day's budget. Rows are deleted once window_end has passed.
    version: 2,
    sql: `
      CREATE TABLE sms_budget_counters (
        name         TEXT NOT NULL,
        subject      TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        window_end   INTEGER NOT NULL,
        count        INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (name, subject, window_start)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sms_budget_counters_end ON sms_budget_counters (window_end);
    `,
  },
  {
    // SMS phones enrolled in the store (src/store/phone-repo.ts); directory users may have none.
    version: 3,
    sql: `
      CREATE TABLE sms_phones (
        identity   TEXT PRIMARY KEY,
        e164       TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // A user's own default method (src/store/method-repo.ts): offered first at a login.
    version: 4,
    sql: `
      CREATE TABLE method_defaults (
        identity TEXT PRIMARY KEY,
        kind     TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // The self-service portal (issue 11): a TOTP token enrolled in the portal is `pending_activation`
    // until the user typed a valid code from the app (logins never use it before); one-time
    // enrolment links (only a SHA-256 of the token is kept); enrolment windows opened by a RADIUS
    // login of a user with no method under `unenrolled: enroll`.
    version: 5,
    sql: `
      ALTER TABLE totp_tokens ADD COLUMN pending_activation INTEGER NOT NULL DEFAULT 0
        CHECK (pending_activation IN (0, 1));

      CREATE TABLE enrol_links (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        identity   TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX enrol_links_identity ON enrol_links (identity);

      CREATE TABLE enrol_windows (
        identity   TEXT PRIMARY KEY,
        opened_at  INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    // Admin accounts for the admin pages (src/store/admin-repo.ts): a scrypt hash and a sealed TOTP
    // seed each (TOTP is required); last_step is the replay guard of the admin's codes.
    version: 6,
    sql: `
      CREATE TABLE admin_accounts (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL,
        name_key      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        totp_sealed   BLOB NOT NULL,
        last_step     INTEGER,
        created_at    INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
