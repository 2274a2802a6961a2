import { pino, type DestinationStream, type Logger } from 'pino';
import { TickBatch } from './tick-batch.js';

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

// Top-level keys only: audit events are flat, and pino's wildcard paths (`*.key`) cost 0.2 ms per
// line, which at login rate was the largest CPU item of the whole request path.
const paths = REDACT_KEYS.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`));

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'mfa-radius-proxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination ?? stdoutDestination(),
  );
}

/** The JSON lines on stdout, batched per event-loop turn (tick-batch.ts). */
export function stdoutDestination(): TickBatch {
  return new TickBatch(pino.destination({ fd: 1, sync: false }));
}
