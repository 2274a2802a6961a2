import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketCode } from '../../src/radius/codes.js';
import { closedLoop, type LoadResult, openLoop, type PacketFactory } from './loadgen.js';
import { fmt, median } from './proxy-process.js';
import { accessRequest, totp } from './radius-packets.js';
import {
  type BenchUser,
  cpuSeconds,
  makeUsers,
  replyCode,
  startFrProxy,
  startHome,
  startNodeFloor,
  startOurProxy,
} from './upstream-setup.js';

export interface UpstreamBenchOptions {
  readonly reps: number;
  /** Requests per closed-loop rep (PAP). */
  readonly requests: number;
  /** Distinct TOTP users = requests per TOTP rep (each logs in once per rep; at most 3 reps). */
  readonly totpUsers: number;
  readonly latencySeconds: number;
  readonly latencyReps: number;
  /** Write a V8 CPU profile of this proxy (under the bench's temp dir, kept) for `node --cpu-prof`. */
  readonly cpuProf?: boolean;
}

interface Target {
  readonly label: string;
  readonly port: number;
  readonly pid: number;
  /** The home server's pid too when the target is a proxy (their CPU is shared on CPU 1). */
  readonly homePid?: number;
}

const line = (r: LoadResult, cpuUs?: string): string =>
  `${r.label.padEnd(30)} ${fmt(r.perSecond, 0).padStart(7)}/s  p50 ${fmt(r.p50ms, 2).padStart(5)} ms  p99 ${fmt(r.p99ms, 2).padStart(6)} ms  lost ${r.lost}/${r.sent}${cpuUs ?? ''}`;

/** Runs a closed loop and reports the target's CPU µs per answered request (and the home's). */
async function measured(t: Target, total: number, make: PacketFactory, label = t.label) {
  const c0 = cpuSeconds(t.pid);
  const h0 = t.homePid ? cpuSeconds(t.homePid) : 0;
  const r = await closedLoop({ label, port: t.port, total, window: 128, make });
  const us = ((cpuSeconds(t.pid) - c0) * 1e6) / Math.max(1, r.received);
  const homeUs = t.homePid ? ((cpuSeconds(t.homePid) - h0) * 1e6) / Math.max(1, r.received) : undefined;
  const cpu = `  cpu ${fmt(us, 0)} µs/req${homeUs !== undefined ? ` (+home ${fmt(homeUs, 0)})` : ''}`;
  process.stdout.write(`${line(r, cpu)}\n`);
  return { ...r, cpuUs: us };
}

function push(m: Record<string, number[]>, key: string, value: number): void {
  const list = m[key] ?? [];
  list.push(value);
  m[key] = list;
}

function papFactory(users: readonly BenchUser[], secret: Buffer): PacketFactory {
  const makers = users.map((u) => accessRequest(secret, u.name, u.password));
  return (id, seq) => makers[seq % makers.length]!(id);
}

/** Password + the current code (shifted by `stepOffset` 30-s steps) in one User-Password. */
function concatFactory(users: readonly BenchUser[], secret: Buffer, stepOffset: number): PacketFactory {
  return (id, seq) => {
    const u = users[seq % users.length]!;
    return accessRequest(
      secret,
      u.name,
      `${u.password}${totp(u.seed, Date.now() + stepOffset * 30_000)}`,
    )(id);
  };
}

/**
 * Issue 5's benchmark, everything in one run on one machine: proxied PAP through this proxy and
 * through FreeRADIUS as a proxy (default threads and `-t`) to the same FreeRADIUS home server, then
 * with TOTP concat (FreeRADIUS: rlm_totp), then the latency one hop adds at 1,000 req/s. Servers on
 * CPU 1, the load generator on CPU 0 (shared/notes/benchmarking.md); medians of interleaved reps.
 */
export async function benchUpstream(opts: UpstreamBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-upstream-'));
  const cpus = process.env.BENCH_NO_PIN ? undefined : '1';
  const homeSecret = randomBytes(12).toString('hex');
  const secret = randomBytes(12).toString('hex');
  const key = Buffer.from(secret);
  const homeKey = Buffer.from(homeSecret);
  // The last user is the sanity probe; 500 before it warm the TOTP targets up (each code is single-use).
  const users = makeUsers(Math.max(1000, opts.totpUsers + 501));
  const papUsers = users.slice(0, 1000);
  const probeUser = users[users.length - 1]!;
  const totpUsers = users.slice(0, opts.totpUsers);
  const stops: Array<() => Promise<void>> = [];
  try {
    const home = await startHome(users, homeSecret, cpus);
    stops.push(() => home.fr.stop());
    const fr = (totp: boolean, singleThread: boolean) =>
      startFrProxy({
        homePort: home.port,
        homeSecret,
        clientSecret: secret,
        users,
        totp,
        singleThread,
        cpus,
      });
    const [frPap, frPapT, frTotp, frTotpT] = [
      await fr(false, false),
      await fr(false, true),
      await fr(true, false),
      await fr(true, true),
    ];
    for (const x of [frPap, frPapT, frTotp, frTotpT]) stops.push(() => x.fr.stop());
    const ours = await startOurProxy({
      dir,
      name: 'pap',
      homePort: home.port,
      homeSecret,
      clientSecret: secret,
      users: papUsers,
      mode: 'exempt',
      cpus,
      cpuProf: opts.cpuProf,
    });
    stops.push(() => ours.stop());
    const oursTotp = await startOurProxy({
      dir,
      name: 'totp',
      homePort: home.port,
      homeSecret,
      clientSecret: secret,
      users,
      mode: 'concat',
      cpus,
    });
    stops.push(() => oursTotp.stop());
    const floor = await startNodeFloor({ homePort: home.port, homeSecret, clientSecret: secret, cpus });
    stops.push(() => floor.stop());

    const homePid = home.fr.child.pid!;
    const t = (label: string, port: number, pid: number, viaHome = true): Target => ({
      label,
      port,
      pid,
      homePid: viaHome ? homePid : undefined,
    });
    const direct = t('FR home direct', home.port, homePid, false);
    const proxies = [
      t('mfa-radius-proxy', ours.port, ours.child.pid!),
      t('FreeRADIUS proxy (threads)', frPap.port, frPap.fr.child.pid!),
      t('FreeRADIUS proxy -t', frPapT.port, frPapT.fr.child.pid!),
      // An anchor, not a contender: the same work with no feature at all (node-floor-proxy.mjs).
      t('plain Node proxy (no features)', floor.port, floor.child.pid!),
    ];
    // Sanity: every target accepts before anything is timed.
    const probeFor = (x: Target) =>
      accessRequest(x === direct ? homeKey : key, probeUser.name, probeUser.password);
    for (const x of [direct, ...proxies]) {
      if (x !== proxies[0] && (await replyCode(x.port, probeFor(x)(1))) !== PacketCode.AccessAccept)
        throw new Error(`${x.label} does not accept`);
    }
    if (
      (await replyCode(ours.port, accessRequest(key, papUsers[0]!.name, papUsers[0]!.password)(1))) !==
      PacketCode.AccessAccept
    ) {
      throw new Error('mfa-radius-proxy does not accept');
    }

    process.stdout.write(
      `\n== upstream: proxied PAP, closed loop, ${opts.requests} requests x ${opts.reps} reps, 128 outstanding ==\n`,
    );
    const papFor = (x: Target) => (x === direct ? papHome : pap);
    const pap = papFactory(papUsers, key);
    const papHome = papFactory(papUsers, homeKey);
    // Untimed warm-up for every target: ours and the Node floor are JIT-compiled, and a first rep
    // that includes compilation would be measuring V8, not the proxy.
    for (const x of [direct, ...proxies])
      await closedLoop({ label: 'warm-up', port: x.port, total: 3000, window: 64, make: papFor(x) });
    const rows: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    const ratios: number[] = [];
    const floorRatios: number[] = [];
    const floorVsFr: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const got: Record<string, number> = {};
      for (const x of [direct, ...proxies]) {
        const r = await measured(x, opts.requests, papFor(x), `${x.label} #${rep + 1}`);
        push(rows, x.label, r.perSecond);
        push(cpu, x.label, r.cpuUs);
        got[x.label] = r.perSecond;
      }
      const betterFr = Math.max(got[proxies[1]!.label]!, got[proxies[2]!.label]!);
      ratios.push(got[proxies[0]!.label]! / betterFr);
      floorRatios.push(got[proxies[0]!.label]! / got[proxies[3]!.label]!);
      floorVsFr.push(got[proxies[3]!.label]! / betterFr);
    }
    process.stdout.write('medians:\n');
    for (const x of [direct, ...proxies]) {
      process.stdout.write(
        `  ${x.label.padEnd(28)} ${fmt(median(rows[x.label]!), 0).padStart(7)}/s  cpu ${fmt(median(cpu[x.label]!), 0)} µs/req\n`,
      );
    }
    process.stdout.write(
      `  ratio ours / better FreeRADIUS proxy, median of same-rep ratios: ${fmt(median(ratios), 2)} (target ≥ 1.0)\n` +
        `  ratio plain Node proxy / better FreeRADIUS proxy: ${fmt(median(floorVsFr), 2)}; ours / plain Node proxy: ${fmt(median(floorRatios), 2)}\n`,
    );

    const reps3 = Math.min(3, opts.reps);
    process.stdout.write(
      `\n== upstream: TOTP concat (password+code), closed loop, ${opts.totpUsers} distinct users x ${reps3} reps ==\n`,
    );
    const totpTargets = [
      t('mfa-radius-proxy concat', oursTotp.port, oursTotp.child.pid!),
      t('FreeRADIUS rlm_totp (threads)', frTotp.port, frTotp.fr.child.pid!),
      t('FreeRADIUS rlm_totp -t', frTotpT.port, frTotpT.fr.child.pid!),
    ];
    const warmUsers = users.slice(opts.totpUsers, opts.totpUsers + 500);
    for (const x of totpTargets)
      await closedLoop({ label: 'warm-up', port: x.port, total: 500, window: 64, make: concatFactory(warmUsers, key, 0) });
    const trows: Record<string, number[]> = {};
    const tratios: number[] = [];
    for (let rep = 0; rep < reps3; rep++) {
      const got: Record<string, number> = {};
      for (const [i, x] of totpTargets.entries()) {
        // Ours refuses a code twice (replay): each rep moves every user one 30-s step on (t-1, t, t+1).
        const make = concatFactory(totpUsers, key, i === 0 ? rep - 1 : 0);
        const r = await measured(x, opts.totpUsers, make, `${x.label} #${rep + 1}`);
        push(trows, x.label, r.perSecond);
        got[x.label] = r.perSecond;
      }
      tratios.push(
        got[totpTargets[0]!.label]! / Math.max(got[totpTargets[1]!.label]!, got[totpTargets[2]!.label]!),
      );
    }
    for (const x of totpTargets)
      process.stdout.write(`  ${x.label.padEnd(30)} median ${fmt(median(trows[x.label]!), 0)}/s\n`);
    process.stdout.write(
      `  ratio ours / better FreeRADIUS (TOTP concat), median of same-rep ratios: ${fmt(median(tratios), 2)}\n`,
    );

    process.stdout.write(
      `\n== upstream: latency at 1000 req/s, open loop, ${opts.latencySeconds} s x ${opts.latencyReps} reps ==\n`,
    );
    const p50: Record<string, number[]> = {};
    const p99: Record<string, number[]> = {};
    const added: Record<string, number[]> = {};
    for (let rep = 0; rep < opts.latencyReps; rep++) {
      let base = 0;
      for (const x of [direct, ...proxies]) {
        const r = await openLoop({
          label: `${x.label} #${rep + 1}`,
          port: x.port,
          rate: 1000,
          seconds: opts.latencySeconds,
          make: papFor(x),
        });
        process.stdout.write(`${line(r)}  (loadgen loop p99 ${fmt(r.loopDelayP99ms, 2)} ms)\n`);
        push(p50, x.label, r.p50ms);
        push(p99, x.label, r.p99ms);
        if (x === direct) base = r.p99ms;
        else push(added, x.label, r.p99ms - base);
      }
    }
    for (const x of [direct, ...proxies]) {
      const a = added[x.label] ? `  added p99 vs direct ${fmt(median(added[x.label]!), 2)} ms` : '';
      process.stdout.write(
        `  ${x.label.padEnd(28)} p50 ${fmt(median(p50[x.label]!), 2)} ms  p99 ${fmt(median(p99[x.label]!), 2)} ms${a}\n`,
      );
    }
    process.stdout.write('  target: added p99 ≤ 1 ms for mfa-radius-proxy\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (opts.cpuProf) process.stdout.write(`CPU profile kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
