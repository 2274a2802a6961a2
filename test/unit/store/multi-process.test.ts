import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'store-mp-'));
const CHILD = join(import.meta.dirname, '../../fixtures/store/store-child.ts');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function child(args: string[]): { proc: ChildProcess; out: () => string; exited: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
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
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGKILL') process.stderr.write(`child failed (${code}): ${errText}\n`);
      resolve();
    }),
  );
  return { proc, out: () => out, exited };
}

describe('store across processes', () => {
  it('a SIGKILL at any point loses no enrolment whose add() had returned', async () => {
    const dir = join(root, 'crash');
    Store.open(dir).close();
    const reported: Array<[string, string]> = [];
    // Three kill/reopen rounds on the same DB: three random kill points, and recovery each time.
    for (let round = 0; round < 3; round++) {
      const c = child(['enrol', dir]);
      const deadline = Date.now() + 20_000;
      while (c.out().split('\n').length < 40 && Date.now() < deadline && c.proc.exitCode === null) {
        await new Promise((r) => setTimeout(r, 5));
      }
      c.proc.kill('SIGKILL');
      await c.exited;
      expect(c.proc.signalCode).toBe('SIGKILL');
      const lines = c.out().split('\n');
      lines.pop(); // a line cut by the kill is not a report
      const mine = lines.filter((l) => l !== 'ready').map((l) => l.split(' ') as [string, string]);
      expect(mine.length).toBeGreaterThanOrEqual(20);
      reported.push(...mine);

      const store = Store.open(dir);
      try {
        const byId = new Map(store.tokens.listAll().map((t) => [t.id, t]));
        for (const [id, hex] of reported) {
          const info = byId.get(Number(id));
          expect(info, `enrolment ${id}`).toBeDefined();
          const entry = store.tokens.secretsFor(info!.identityId).find((e) => e.token.id === Number(id));
          expect(entry?.secret.toString('hex')).toBe(hex);
        }
        // Everything in the DB decrypts, including an add that committed just before the kill
        // (at most one per round can be committed but unreported).
        for (const t of byId.values()) expect(() => store.tokens.secretsFor(t.identityId)).not.toThrow();
        expect(byId.size - reported.length).toBeLessThanOrEqual(round + 1);
      } finally {
        store.close();
      }
    }
  });

  it('claimStep is atomic across processes: racing processes never both win a step', async () => {
    const dir = join(root, 'race');
    const store = Store.open(dir);
    const ids = Array.from(
      { length: 150 },
      (_, i) => store.tokens.add(`u${i}`, { secret: randomBytes(20) }).id,
    );
    store.close();
    // Opposite orders: the racers meet in the middle, where each claim is contested.
    const racers = [child(['claim', dir, 'asc']), child(['claim', dir, 'desc'])];
    const deadline = Date.now() + 20_000;
    while (!racers.every((r) => r.out().startsWith('ready\n')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const r of racers) r.proc.stdin!.end('go\n');
    await Promise.all(racers.map((r) => r.exited));
    const won = racers.map((r) =>
      r.out().slice('ready\n'.length).trim().split(',').filter(Boolean).map(Number),
    );
    // Every token's step claimed by exactly one process: no double win, none lost.
    expect([...won[0]!, ...won[1]!].sort((a, b) => a - b)).toEqual(ids);
  });
});
