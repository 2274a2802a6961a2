import { AppError, ErrorCodes, isAppError } from '../shared/errors.js';

/** Config problems exit 2 (check-config's documented code); every other expected failure exits 1. */
const CONFIG_CODES: ReadonlySet<string> = new Set([
  ErrorCodes.CONFIG_READ,
  ErrorCodes.CONFIG_PARSE,
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.CONFIG_PATH,
]);

const FILE_ERRNOS = new Set([
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EROFS',
  'ENOSPC',
  'EEXIST',
  'ELOOP',
]);

/** A file-system failure that escaped an adapter is still an expected failure, not a bug. */
function fromErrno(e: unknown): AppError | undefined {
  const x = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof x.code !== 'string' || !FILE_ERRNOS.has(x.code)) return undefined;
  // Node's message already reads "EACCES: permission denied, mkdir '/var/lib/x'".
  return new AppError(
    ErrorCodes.FILE_ACCESS,
    `${x.message}; check the owner and permissions (the service user must be able to write data_dir)`,
    {},
    { cause: e },
  );
}

/** The one place a command's failure is printed: `MFA_ERR_…: message`, never a raw stack for an expected one. */
export function reportError(e: unknown): number {
  const known = isAppError(e) ? e : fromErrno(e);
  if (known) {
    process.stderr.write(`${known.code}: ${known.message}\n`);
    return CONFIG_CODES.has(known.code) ? 2 : 1;
  }
  // Not an expected failure: a bug. The stack helps whoever fixes it.
  process.stderr.write(
    `internal error (a bug, please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  return 70; // EX_SOFTWARE (sysexits.h)
}

/** Wraps a commander action: any throw becomes a printed error code and a non-zero exit. */
export function action<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      process.exit(reportError(e));
    }
  };
}

/**
 * `mfa-radius-proxy user list | head -1`: the reader closing the pipe is the normal end of the
 * output, not an error (EPIPE on stdout/stderr exits quietly, status 0).
 */
export function quietOnEpipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}
