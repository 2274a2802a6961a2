/**
 * In-process micro-benchmark of one TOTP concat login's factor work, as the pipeline does it:
 * `isEnrolled`, then `verify` (seed read + unseal, otplib, the durable replay claim), on the
 * server's own store connection (synchronous=NORMAL). Each round moves every user one 30-s step on,
 * as the upstream bench does, so every login is a fresh code that gets claimed.
 * Run: node --import tsx scripts/bench/totp-factor.ts [users] [rounds]
 * With `--cpu-prof` on node it profiles just this (the store and the factor, no RADIUS).
 * Also times the parts on their own, to say where the rest goes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TotpFactor } from '../../src/factors/totp.js';
import { Store } from '../../src/store/store.js';
import { fmt, median } from './proxy-process.js';
import { totp } from './radius-packets.js';

const users = Number(process.argv[2] ?? 4000);
const rounds = Number(process.argv[3] ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-totp-'));
// CPU time, not wall time: the machine is shared, and a descheduled moment is not our cost.
const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

try {
  const setup = Store.open(dir);
  const seeds = Array.from({ length: users }, () => randomBytes(20));
  for (const [i, seed] of seeds.entries()) setup.tokens.add(`user${i + 1}`, { secret: seed });
  setup.close();

  const store = Store.open(dir, { synchronous: 'NORMAL' });
  // The clock starts mid-step and moves two steps per round, so otplib tries t-1 (a miss) then t, as for a user who last logged in a while ago.
  let now = Math.floor(Date.now() / 30_000) * 30_000 + 15_000;
  const factor = new TotpFactor({
    tokens: store.tokens,
    clock: { now: () => now },
    options: { digits: 6, period: 30, window: 1 },
  });

  const perLogin: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const codes = seeds.map((s) => totp(s, now));
    const t0 = cpuUs();
    for (let i = 0; i < users; i++) {
      const id = `user${i + 1}`;
      if (!(await factor.isEnrolled({ id }))) throw new Error(`${id} not enrolled`);
      const r = await factor.verify(id, codes[i]!);
      if (r.kind !== 'ok') throw new Error(`${id}: ${r.kind} in round ${round + 1}`);
    }
    const us = (cpuUs() - t0) / users;
    perLogin.push(us);
    process.stdout.write(`round ${round + 1}: ${fmt(us, 1)} CPU µs per login (isEnrolled + verify)\n`);
    now += 60_000;
  }
  process.stdout.write(`median ${fmt(median(perLogin), 1)} µs per login, ${users} users x ${rounds} rounds\n`);

  // The parts, each over every user (same order), to say where the rest goes.
  const part = (label: string, f: (id: string, i: number) => unknown) => {
    const t0 = cpuUs();
    for (let i = 0; i < users; i++) f(`user${i + 1}`, i);
    process.stdout.write(`  ${label.padEnd(50)} ${fmt((cpuUs() - t0) / users, 1)} µs\n`);
  };
  process.stdout.write('parts (CPU µs per call):\n');
  const codes = seeds.map((s) => totp(s, now));
  part('factor.check (no claim), a fresh code (t-1 miss, t hit)', (id, i) => factor.check(id, codes[i]!));
  part('tokens.hasAny', (id) => store.tokens.hasAny(id));
  part('tokens.secretsFor (read + unseal)', (id) => store.tokens.secretsFor(id));
  part('tokens.claimStep (a step already claimed)', (_id, i) => store.tokens.claimStep(i + 1, 0));
  let step = Math.floor(now / 30_000) + 10;
  part('tokens.claimStep (a fresh step: UPDATE + commit)', (_id, i) => store.tokens.claimStep(i + 1, step));
  step += 1;
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
