import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/store/password-hash.js';
import { Store } from '../../src/store/store.js';
import { homeSite, loopbackClient, startFreeRadius } from '../../test/helpers/freeradius.js';
import { freeUdpPort } from '../../test/helpers/ports.js';
import { closedLoop, type LoadResult, openLoop } from './loadgen.js';
import { type BenchUser, loginFlood } from './login-flood.js';
import { fmt, median, spawnProxy, writeBenchConfig } from './proxy-process.js';
import { statusServer } from './radius-packets.js';

const line = (r: LoadResult): string =>
  `${r.label.padEnd(34)} ${fmt(r.perSecond, 0).padStart(8)}/s  p50 ${fmt(r.p50ms, 2)} ms  p99 ${fmt(r.p99ms, 2)} ms  lost ${r.lost}/${r.sent}`;

/**
 * Issue 2's benchmark: Status-Server throughput against FreeRADIUS in the same run, full
 * challenge-mode logins with the local store, and Status-Server latency + event-loop delay while a
 * login flood saturates the password hashing.
 */
export async function benchCore(opts: {
  reps: number;
  requests: number;
  floodSeconds: number;
}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-'));
  const secret = randomBytes(12).toString('hex');
  const secretBuf = Buffer.from(secret);
  const port = await freeUdpPort();
  const frPort = await freeUdpPort();
  const frPortT = await freeUdpPort();
  const dataDir = join(dir, 'data');
  // Users share one hash (seeding is not what is measured); the server still runs scrypt per login.
  const store = Store.open(dataDir);
  const hash = await hashPassword(Buffer.from('bench-password'));
  const users: BenchUser[] = [];
  for (let i = 0; i < 3000; i++) {
    const seed = randomBytes(20);
    store.users.add(`user${i}`, hash);
    store.tokens.add(`user${i}`, { secret: seed });
    users.push({ name: `user${i}`, password: 'bench-password', seed });
  }
  store.close();
  const config = writeBenchConfig(join(dir, 'config.yaml'), {
    port,
    dataDir,
    secret,
    mfaMode: 'challenge',
    extra: ['lockout:', '  max_failures: 1000', 'log:', '  stats_interval_sec: 1'],
  });
  const pin = process.env.BENCH_NO_PIN ? undefined : '1';
  const proxy = await spawnProxy(config, pin);
  const frSites = (p: number) =>
    homeSite('bench', p).replace(/listen \{\n\s+type = acct[\s\S]*?\n {2}\}\n/, '');
  const fr = await startFreeRadius({
    sites: frSites(frPort),
    clients: loopbackClient('bench', secret),
    users: '',
    args: pin ? [] : [],
  });
  const frT = await startFreeRadius({
    sites: frSites(frPortT),
    clients: loopbackClient('bench', secret),
    users: '',
    args: ['-t'],
  });
  try {
    process.stdout.write(
      `\n== core: Status-Server, closed loop, ${opts.requests} requests x ${opts.reps} reps, 128 outstanding ==\n`,
    );
    const ours: number[] = [];
    const theirs: number[] = [];
    const theirsT: number[] = [];
    const make = statusServer(secretBuf);
    // Warm-up (JIT, socket buffers) for every target and for the generator itself; not reported.
    for (const p of [port, frPort, frPortT])
      await closedLoop({ label: 'warm-up', port: p, total: 10000, window: 128, make });
    for (let rep = 0; rep < opts.reps; rep++) {
      const a = await closedLoop({
        label: `mfa-radius-proxy rep ${rep + 1}`,
        port,
        total: opts.requests,
        window: 128,
        make,
      });
      const b = await closedLoop({
        label: `FreeRADIUS (threads) rep ${rep + 1}`,
        port: frPort,
        total: opts.requests,
        window: 128,
        make,
      });
      const c = await closedLoop({
        label: `FreeRADIUS -t rep ${rep + 1}`,
        port: frPortT,
        total: opts.requests,
        window: 128,
        make,
      });
      for (const r of [a, b, c]) process.stdout.write(`${line(r)}\n`);
      ours.push(a.perSecond);
      theirs.push(b.perSecond);
      theirsT.push(c.perSecond);
    }
    const best = Math.max(median(theirs), median(theirsT));
    process.stdout.write(
      `Status-Server median: ours ${fmt(median(ours), 0)}/s, FreeRADIUS ${fmt(median(theirs), 0)}/s, FreeRADIUS -t ${fmt(median(theirsT), 0)}/s → ratio vs better FreeRADIUS ${fmt(median(ours) / best, 2)} (target ≥ 1.0)\n`,
    );

    process.stdout.write(
      `\n== core: full challenge-mode logins (password → challenge → TOTP), local store, scrypt N=2^15 ==\n`,
    );
    const flood = await loginFlood({
      port,
      secret: secretBuf,
      users: users.slice(0, 1500),
      concurrency: 16,
      seconds: opts.floodSeconds,
    });
    process.stdout.write(
      `logins ${flood.logins} (failed ${flood.failed}) → ${fmt(flood.perSecond, 1)} logins/s, p50 ${fmt(flood.p50ms, 1)} ms, p99 ${fmt(flood.p99ms, 1)} ms\n`,
    );

    process.stdout.write(`\n== core: Status-Server at 1000/s while a login flood saturates the hashing ==\n`);
    const statsBefore = proxy.logs.filter((l) => l.event === 'stats').length;
    const [latency, flood2] = await Promise.all([
      openLoop({
        label: 'Status-Server @1000/s under flood',
        port,
        rate: 1000,
        seconds: opts.floodSeconds,
        make,
      }),
      loginFlood({
        port,
        secret: secretBuf,
        users: users.slice(1500),
        concurrency: 32,
        seconds: opts.floodSeconds,
      }),
    ]);
    const stats = proxy.logs.filter((l) => l.event === 'stats').slice(statsBefore);
    const loopP99 = Math.max(...stats.map((s) => Number(s.loop_delay_p99_ms)));
    const loopMax = Math.max(...stats.map((s) => Number(s.loop_delay_max_ms)));
    process.stdout.write(`${line(latency)}  (loadgen's own loop p99 ${fmt(latency.loopDelayP99ms, 2)} ms)\n`);
    process.stdout.write(
      `concurrent logins: ${flood2.logins} ok, ${flood2.failed} failed, ${fmt(flood2.perSecond, 1)}/s\n`,
    );
    process.stdout.write(
      `server event-loop delay during the flood: worst 1-s p99 ${fmt(loopP99, 2)} ms, max ${fmt(loopMax, 2)} ms; Status-Server p99 ${fmt(latency.p99ms, 2)} ms (target ≤ 5 ms)\n`,
    );
  } finally {
    await proxy.stop();
    await fr.stop();
    await frT.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
