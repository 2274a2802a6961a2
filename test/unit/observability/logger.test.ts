import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACT_KEYS } from '../../../src/observability/logger.js';

describe('logger redaction (second line of defence behind "never log it")', () => {
  it('censors every listed key at the top level of an event', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ destination });
    const event: Record<string, string> = { event: 'auth', user: 'alice' };
    for (const k of REDACT_KEYS) event[k] = `value-of-${k}`;
    log.info(event, 'x');
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const k of REDACT_KEYS) expect(parsed[k]).toBe('[redacted]');
    expect(parsed.user).toBe('alice');
    expect(lines[0]).not.toContain('value-of-');
  });
});
