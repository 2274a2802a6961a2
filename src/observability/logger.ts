import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One list of keys that must never reach a log line. The code does not log these values in the first
 * place; the redaction is the second line of defence, and a test greps the whole suite's logs.
 */
export const REDACT_KEYS = [
  'password',
  'user_password',
  'User-Password',
  'code',
  'otp',
  'state',
  'State',
  'secret',
  'shared_secret',
  'bind_password',
  'Message-Authenticator',
] as const;

const paths = REDACT_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`];
});

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'mfa-radius-proxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
