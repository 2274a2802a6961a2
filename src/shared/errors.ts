/**
 * One catalogue of error codes (fastify-style). Errors are for broken infrastructure or bugs;
 * expected outcomes are Results. Every code is stable and greppable, and documented in README.md.
 */
export const ErrorCodes = {
  CONFIG_READ: 'MFA_ERR_CONFIG_READ',
  CONFIG_PARSE: 'MFA_ERR_CONFIG_PARSE',
  CONFIG_INVALID: 'MFA_ERR_CONFIG_INVALID',
  KEY_FILE: 'MFA_ERR_KEY_FILE',
  STORE: 'MFA_ERR_STORE',
  USER_EXISTS: 'MFA_ERR_USER_EXISTS',
  USER_NOT_FOUND: 'MFA_ERR_USER_NOT_FOUND',
  TOKEN_NOT_FOUND: 'MFA_ERR_TOKEN_NOT_FOUND',
  TOKEN_SECRET_INVALID: 'MFA_ERR_TOKEN_SECRET_INVALID',
  LISTEN: 'MFA_ERR_LISTEN',
  RADIUS_ENCODE: 'MFA_ERR_RADIUS_ENCODE',
  DIRECTORY: 'MFA_ERR_DIRECTORY',
  UPSTREAM: 'MFA_ERR_UPSTREAM',
  USER_NAME_INVALID: 'MFA_ERR_USER_NAME_INVALID',
  /** A file or directory the config names is missing, unreadable or not writable (check-config, serve). */
  CONFIG_PATH: 'MFA_ERR_CONFIG_PATH',
  /** Enrolment: the LDAP/AD directory could not be reached to look the user up. */
  DIRECTORY_UNAVAILABLE: 'MFA_ERR_DIRECTORY_UNAVAILABLE',
  /** `user add`/`passwd`/`exempt` under a directory other than local (the local store is not used). */
  NOT_LOCAL_DIRECTORY: 'MFA_ERR_NOT_LOCAL_DIRECTORY',
  /** A CLI command was given an unusable option or argument. */
  USAGE: 'MFA_ERR_USAGE',
  /** A file operation failed unexpectedly (permissions, a full or read-only disk). */
  FILE_ACCESS: 'MFA_ERR_FILE_ACCESS',
  /** `phone set` under a config without an `sms:` section (no SMS could ever be sent). */
  SMS_NOT_CONFIGURED: 'MFA_ERR_SMS_NOT_CONFIGURED',
  /** `phone set`: the number is not a mobile number, or its country is not in `sms.allowed_countries`. */
  PHONE_INVALID: 'MFA_ERR_PHONE_INVALID',
  /** `phone remove`: no number is enrolled in the store for that user. */
  PHONE_NOT_FOUND: 'MFA_ERR_PHONE_NOT_FOUND',
  /** `import`: the CSV file cannot be read or used as a whole (no header, wrong columns, too big). */
  IMPORT_FILE: 'MFA_ERR_IMPORT_FILE',
  /** `import`: some rows were refused (the report says which and why); the others were imported. */
  IMPORT_REFUSED: 'MFA_ERR_IMPORT_REFUSED',
  /** `enrol-link` under a config without `http.public_url` (or with `portal.enabled: false`). */
  PORTAL_NOT_CONFIGURED: 'MFA_ERR_PORTAL_NOT_CONFIGURED',
  /** Revoking an enrolment link (EnrolLinkService.revoke, the admin page): no unused, unrevoked link has that id. */
  ENROL_LINK_NOT_FOUND: 'MFA_ERR_ENROL_LINK_NOT_FOUND',
  /** The shared state on Redis (several nodes, issue 13) could not be read or written: refused, never guessed. */
  SHARED_STATE: 'MFA_ERR_SHARED_STATE',
  /** `admin add`: an admin account of that name exists (names ignore case). */
  ADMIN_EXISTS: 'MFA_ERR_ADMIN_EXISTS',
  /** `admin remove` / `admin passwd`: no admin account of that name. */
  ADMIN_NOT_FOUND: 'MFA_ERR_ADMIN_NOT_FOUND',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.context = context;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
