/**
 * In-process A/B of one TOTP concat login's factor work (isEnrolled + verify, as totp-factor.ts),
 * this checkout against another checkout's sources, interleaved in slices of 250 logins so both see
 * the same moment of a shared machine. Same seeds, same clock, separate stores; every round moves the
 * clock 3 steps on, and codes are for t, then t-1, then t+1 (a user's last login long ago).
 * Run: git worktree add --detach /tmp/before 04c6ebf && ln -s "$PWD/node_modules" /tmp/before/
 *      node --import tsx scripts/bench/totp-factor-ab.ts /tmp/before
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { fmt, median } from './proxy-process.js';
import { totp } from './radius-packets.js';
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const other = process.argv[2];
if (!other) throw new Error('usage: totp-factor-ab.ts <other checkout>');
const users = 4000;
const slice = 250;
const rounds = 6;
const seeds = Array.from({ length: users }, () => randomBytes(20));
async function side(root: string) {
  const { Store } = await import(`${root}/src/store/store.ts`);
  const { TotpFactor } = await import(`${root}/src/factors/totp.ts`);
  const dir = mkdtempSync(join(tmpdir(), 'ab-'));
  const s0 = Store.open(dir);
  for (const [i, seed] of seeds.entries()) s0.tokens.add(`user${i + 1}`, { secret: seed });
  s0.close();
  const store = Store.open(dir, { synchronous: 'NORMAL' });
  const clock = { now: () => now };
  return {
    dir,
    store,
    factor: new TotpFactor({ tokens: store.tokens, clock, options: { digits: 6, period: 30, window: 1 } }),
    us: [] as number[],
  };
}
let now = Math.floor(Date.now() / 30_000) * 30_000 + 15_000;
const sides = { old: await side(resolve(other)), new: await side(resolve('.')) };
for (const offset of [0, -1, 1]) {
  for (const s of Object.values(sides)) s.us = [];
  for (let r = 0; r < rounds; r++) {
    const codes = seeds.map((s) => totp(s, now + offset * 30_000));
    for (let from = 0; from < users; from += slice) {
      for (const s of Object.values(sides)) {
        const t0 = cpuUs();
        for (let i = from; i < from + slice; i++) {
          const id = `user${i + 1}`;
          // Builds before the factor registry took an id; later ones take an identity: give both.
          if (!(await s.factor.isEnrolled(Object.assign(Object(id), { id })))) throw new Error('not enrolled');
          const v = await s.factor.verify(id, codes[i]!);
          if (v.kind !== 'ok') throw new Error(v.kind);
        }
        if (r > 0) s.us.push((cpuUs() - t0) / slice);
      }
    }
    now += 90_000;
  }
  const o = median(sides.old.us),
    n = median(sides.new.us);
  const ratios = sides.new.us.map((x, i) => x / sides.old.us[i]!);
  process.stdout.write(
    `code for step t${offset === 0 ? '' : offset > 0 ? '+1' : '-1'}: other ${fmt(o, 1)} µs, this ${fmt(n, 1)} µs CPU per login (medians of ${sides.old.us.length} interleaved slices); this/other median of same-slice ratios ${fmt(median(ratios), 2)}\n`,
  );
}
for (const s of Object.values(sides)) {
  s.store.close();
  rmSync(s.dir, { recursive: true, force: true });
}
