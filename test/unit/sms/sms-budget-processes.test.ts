import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'sms-budget-mp-'));
const CHILD = join(import.meta.dirname, '../../fixtures/sms/budget-child.ts');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function racer(dir: string, attempts: number) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(attempts)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let errText = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
    errText += d;
  });
  const ready = new Promise<void>((resolve) => {
    const poll = (): void => {
      if (out.startsWith('ready\n')) resolve();
      else setTimeout(poll, 5);
    };
    poll();
  });
  const done = new Promise<number>((resolve, reject) =>
    proc.on('exit', (code) =>
      code === 0 ? resolve(Number(out.split('\n')[1])) : reject(new Error(`child ${code}: ${errText}`)),
    ),
  );
  return { proc, ready, done };
}

describe('SMS budgets across processes', () => {
  it('two processes racing on one database together get exactly per_user.hour sends', async () => {
    const dir = join(root, 'race');
    Store.open(dir).close(); // migrate once, before the race
    const a = racer(dir, 1500);
    const b = racer(dir, 1500);
    await Promise.all([a.ready, b.ready]);
    a.proc.stdin!.write('go\n');
    b.proc.stdin!.write('go\n');
    const [na, nb] = await Promise.all([a.done, b.done]);
    expect(na + nb).toBe(1000);
    // Both took part: the race was real, not one process finishing before the other began.
    expect(na).toBeGreaterThan(0);
    expect(nb).toBeGreaterThan(0);
  });
});
