import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountingLog } from '../../../src/accounting/accounting-log.js';
import { ManualClock } from '../../../src/shared/clock.js';

describe('AccountingLog: append-only JSON lines, synced before the answer, group commit', () => {
  let dir: string;
  let log: AccountingLog;
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 23, 59, 0));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-acctlog-'));
    log = new AccountingLog(join(dir, 'accounting'), clock);
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every append resolves after its line is on disk; a burst shares fdatasync calls', async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(JSON.stringify({ i }))));
    const file = log.fileFor(clock.now());
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(log.syncs).toBeGreaterThanOrEqual(1);
    expect(log.syncs).toBeLessThan(200);
    // Personal data: readable by the service only.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('appends, never truncates, and starts a new file at UTC midnight', async () => {
    await log.append('{"a":1}');
    await log.append('{"a":2}');
    clock.advance(120_000);
    await log.append('{"a":3}');
    const files = readdirSync(join(dir, 'accounting')).sort();
    expect(files).toEqual(['accounting-2026-01-15.jsonl', 'accounting-2026-01-16.jsonl']);
    expect(readFileSync(join(dir, 'accounting', files[0]!), 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(readFileSync(join(dir, 'accounting', files[1]!), 'utf8')).toBe('{"a":3}\n');
  });

  it('refuses appends after close', async () => {
    await log.close();
    await expect(log.append('{}')).rejects.toThrow(/closed/);
  });
});
