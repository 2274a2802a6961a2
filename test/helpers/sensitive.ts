import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every password, code, State and secret a test sends is registered here; every log a test's proxy
 * writes goes to the same run directory. The global teardown greps all logs for all registered
 * values: the proof that nothing sensitive is ever logged.
 */
export function runDir(): string {
  // The global setup makes a fresh directory per run and passes it down in the environment.
  const dir = process.env.MFA_TEST_RUN_DIR ?? join(tmpdir(), `mfa-radius-proxy-test-run-${process.ppid}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return dir;
}

export function registerSensitive(...values: Array<string | Buffer | undefined>): void {
  const file = join(runDir(), 'sensitive.txt');
  for (const v of values) {
    if (v === undefined) continue;
    if (Buffer.isBuffer(v)) {
      if (v.length === 0) continue;
      appendFileSync(file, `${v.toString('hex')}\n${v.toString('base64')}\n`);
    } else if (v.length > 0) {
      appendFileSync(file, `${JSON.stringify(v)}\n`);
    }
  }
}

export function logFile(name: string): string {
  return join(runDir(), 'logs', `${name}-${process.pid}-${Date.now()}.log`);
}
