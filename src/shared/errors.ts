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
