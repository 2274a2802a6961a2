import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDir } from './helpers/sensitive.js';

/**
 * Before the run: a fresh directory for every proxy log and every sensitive value the tests use.
 * After the run: grep all logs for all those values. A hit fails the run — the suite-wide proof that
 * no password, code, State or secret is ever logged.
 */
export function setup(): void {
  if (!existsSync('dist/cli/main.js')) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does it)');
  }
  process.env.MFA_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'mfa-radius-proxy-test-run-'));
  runDir();
}

export function teardown(): void {
  const dir = runDir();
  const sensitiveFile = join(dir, 'sensitive.txt');
  const values = existsSync(sensitiveFile)
    ? [...new Set(readFileSync(sensitiveFile, 'utf8').split('\n').filter(Boolean))].map((l) =>
        l.startsWith('"') ? (JSON.parse(l) as string) : l,
      )
    : [];
  const logDir = join(dir, 'logs');
  const files = existsSync(logDir) ? readdirSync(logDir) : [];
  let lines = 0;
  const hits: string[] = [];
  const matchers = values
    .filter((v) => v.length >= 4)
    .map((v) => {
      const escaped = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      // Short all-digit values (OTP codes) only count as whole tokens, not inside timestamps or ids.
      return {
        v,
        re: /^\d+$/.test(v) ? new RegExp(`(^|[^0-9A-Za-z])${escaped}([^0-9A-Za-z]|$)`) : new RegExp(escaped),
      };
    });
  for (const f of files) {
    const text = readFileSync(join(logDir, f), 'utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines++;
      for (const m of matchers)
        if (m.re.test(line)) hits.push(`${f}: ${m.v.slice(0, 3)}… found in: ${line.slice(0, 200)}`);
    }
  }
  process.stdout.write(
    `\nlog audit: ${lines} log lines in ${files.length} files checked against ${matchers.length} sensitive values: ${hits.length} leaks\n`,
  );
  if (hits.length === 0) rmSync(dir, { recursive: true, force: true });
  if (hits.length > 0) throw new Error(`sensitive values found in logs:\n${hits.slice(0, 20).join('\n')}`);
}
