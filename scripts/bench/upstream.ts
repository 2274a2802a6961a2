import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketCode } from '../../src/radius/codes.js';
import { type Baseline, prepareBaseline } from './baseline.js';
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
  /** Write V8 CPU profiles of this proxy, PAP and TOTP (under the bench's temp dir, kept): `node --cpu-prof`. */
  readonly cpuProf?: boolean;
  /** A git ref built and run as one more target (before/after in the same reps); undefined: none. */
  readonly baseline?: string;
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
async function measured(t: Target, total: number, make: PacketFactory, label = t.label, quiet = false) {
  const c0 = cpuSeconds(t.pid);
  const h0 = t.homePid ? cpuSeconds(t.homePid) : 0;
  const r = await closedLoop({ label, port: t.port, total, window: 128, make });
  const us = ((cpuSeconds(t.pid) - c0) * 1e6) / Math.max(1, r.received);
  const homeUs = t.homePid ? ((cpuSeconds(t.homePid) - h0) * 1e6) / Math.max(1, r.received) : undefined;
  const cpu = `  cpu ${fmt(us, 0)} µs/req${homeUs !== undefined ? ` (+home ${fmt(homeUs, 0)})` : ''}`;
  if (!quiet) process.stdout.write(`${line(r, cpu)}\n`);
  return { ...r, cpuUs: us };
}

/**
 * After vs before in short interleaved slices: the two builds take turns (ABAB, then BABA), each
 * slice the same packets, so a shared machine's load swings hit both alike. Prints the median and
 * the quartiles of the same-slice ratios (after / before): below 1.00 is less CPU after the change.
 */
async function interleavedAB(
  what: string,
  after: Target,
  before: Target,
  slices: number,
  perSlice: number,
  make: (slice: number) => PacketFactory,
): Promise<void> {
  const cpu: number[] = [];
  const rate: number[] = [];
  for (let i = 0; i < slices; i++) {
    const m = make(i);
    const order = i % 2 === 0 ? [after, before] : [before, after];
    const got = new Map<Target, { cpuUs: number; perSecond: number; received: number }>();
    for (const x of order) got.set(x, await measured(x, perSlice, m, x.label, true));
    const a = got.get(after)!;
    const b = got.get(before)!;
    if (a.received < perSlice || b.received < perSlice)
      throw new Error(`${what} slice ${i + 1}: answers lost (after ${a.received}, before ${b.received} of ${perSlice})`);
    cpu.push(a.cpuUs / b.cpuUs);
    rate.push(a.perSecond / b.perSecond);
  }
  const q = (xs: number[], f: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(f * xs.length))]!;
  process.stdout.write(
    `  ${what}: ${slices} slices of ${perSlice}, after / before proxy CPU per request: median ${fmt(median(cpu), 2)} (quartiles ${fmt(q(cpu, 0.25), 2)}-${fmt(q(cpu, 0.75), 2)}); throughput median ${fmt(median(rate), 2)}\n`,
  );
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

/** The before/after line: throughput and proxy CPU, each the median of same-rep ratios. */
const beforeAfter = (what: string, rate: number[], cpu: number[]): string =>
  `  after / before (${what}), median of same-rep ratios: throughput ${fmt(median(rate), 2)}, proxy CPU per request ${fmt(median(cpu), 2)}\n`;

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
  // Users after the TOTP reps' and the warm-up's: fresh codes for the interleaved A/B slices.
  const abChunk = 500;
  const abChunks = Math.max(2, Math.round(opts.totpUsers / 1000));
  const users = makeUsers(Math.max(1000, opts.totpUsers + 500 + abChunk * abChunks + 1));
  const papUsers = users.slice(0, 1000);
  const probeUser = users[users.length - 1]!;
  const totpUsers = users.slice(0, opts.totpUsers);
  const stops: Array<() => Promise<void>> = [];
  let baseline: Baseline | undefined;
  try {
    // Built before any server starts: tsc would otherwise compete with them for the CPUs.
    if (opts.baseline) baseline = prepareBaseline(opts.baseline);
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
      cpuProf: opts.cpuProf,
    });
    stops.push(() => oursTotp.stop());
    // The build before the change, with the same config and the same enrolments (its own Store).
    const before = baseline
      ? {
          pap: await startOurProxy({
            dir,
            name: 'before-pap',
            homePort: home.port,
            homeSecret,
            clientSecret: secret,
            users: papUsers,
            mode: 'exempt',
            cpus,
            cli: baseline.cli,
            cpuProf: opts.cpuProf,
          }),
          totp: await startOurProxy({
            dir,
            name: 'before-totp',
            homePort: home.port,
            homeSecret,
            clientSecret: secret,
            users,
            mode: 'concat',
            cpus,
            cli: baseline.cli,
            seed: baseline.seed,
            cpuProf: opts.cpuProf,
          }),
        }
      : undefined;
    if (before) stops.push(() => before.pap.stop(), () => before.totp.stop());
    const beforeLabel = baseline ? `mfa-radius-proxy before (${baseline.ref})` : '';
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
      ...(before ? [t(beforeLabel, before.pap.port, before.pap.child.pid!)] : []),
    ];
    const beforePap = before ? proxies[4] : undefined;
    // Sanity: every target accepts before anything is timed.
    const probeFor = (x: Target) =>
      accessRequest(x === direct ? homeKey : key, probeUser.name, probeUser.password);
    for (const x of [direct, ...proxies]) {
      // Ours (both builds) exempt only the PAP users: probe them with one of those.
      const exemptOnly = x === proxies[0] || x === beforePap;
      const probe = exemptOnly ? accessRequest(key, papUsers[0]!.name, papUsers[0]!.password) : probeFor(x);
      if ((await replyCode(x.port, probe(1))) !== PacketCode.AccessAccept)
        throw new Error(`${x.label} does not accept`);
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
    const afterVsBefore: number[] = [];
    const cpuAfterVsBefore: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const gotCpu: Record<string, number> = {};
      const got: Record<string, number> = {};
      for (const x of [direct, ...proxies]) {
        const r = await measured(x, opts.requests, papFor(x), `${x.label} #${rep + 1}`);
        push(rows, x.label, r.perSecond);
        push(cpu, x.label, r.cpuUs);
        got[x.label] = r.perSecond;
        gotCpu[x.label] = r.cpuUs;
      }
      if (beforePap) {
        afterVsBefore.push(got[proxies[0]!.label]! / got[beforePap.label]!);
        cpuAfterVsBefore.push(gotCpu[proxies[0]!.label]! / gotCpu[beforePap.label]!);
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
    if (beforePap) process.stdout.write(beforeAfter('proxied PAP', afterVsBefore, cpuAfterVsBefore));

    const reps3 = Math.min(3, opts.reps);
    process.stdout.write(
      `\n== upstream: TOTP concat (password+code), closed loop, ${opts.totpUsers} distinct users x ${reps3} reps ==\n`,
    );
    const totpTargets = [
      t('mfa-radius-proxy concat', oursTotp.port, oursTotp.child.pid!),
      t('FreeRADIUS rlm_totp (threads)', frTotp.port, frTotp.fr.child.pid!),
      t('FreeRADIUS rlm_totp -t', frTotpT.port, frTotpT.fr.child.pid!),
      ...(before ? [t(`${beforeLabel} concat`, before.totp.port, before.totp.child.pid!)] : []),
    ];
    const beforeTotp = before ? totpTargets[3] : undefined;
    // Ours (both builds) refuse a code twice (replay guard); FreeRADIUS rlm_totp does not.
    const guarded = (x: Target) => x === totpTargets[0] || x === beforeTotp;
    const warmUsers = users.slice(opts.totpUsers, opts.totpUsers + 500);
    for (const x of totpTargets)
      await closedLoop({ label: 'warm-up', port: x.port, total: 500, window: 64, make: concatFactory(warmUsers, key, 0) });
    const trows: Record<string, number[]> = {};
    const tcpu: Record<string, number[]> = {};
    const tratios: number[] = [];
    const tAfterVsBefore: number[] = [];
    const tCpuAfterVsBefore: number[] = [];
    for (let rep = 0; rep < reps3; rep++) {
      const got: Record<string, number> = {};
      const gotCpu: Record<string, number> = {};
      for (const x of totpTargets) {
        // A guarded target refuses a code twice: each rep moves every user one 30-s step on (t-1, t, t+1).
        const make = concatFactory(totpUsers, key, guarded(x) ? rep - 1 : 0);
        const r = await measured(x, opts.totpUsers, make, `${x.label} #${rep + 1}`);
        push(trows, x.label, r.perSecond);
        push(tcpu, x.label, r.cpuUs);
        got[x.label] = r.perSecond;
        gotCpu[x.label] = r.cpuUs;
      }
      tratios.push(
        got[totpTargets[0]!.label]! / Math.max(got[totpTargets[1]!.label]!, got[totpTargets[2]!.label]!),
      );
      if (beforeTotp) {
        tAfterVsBefore.push(got[totpTargets[0]!.label]! / got[beforeTotp.label]!);
        tCpuAfterVsBefore.push(gotCpu[totpTargets[0]!.label]! / gotCpu[beforeTotp.label]!);
      }
    }
    for (const x of totpTargets)
      process.stdout.write(
        `  ${x.label.padEnd(30)} median ${fmt(median(trows[x.label]!), 0)}/s  cpu ${fmt(median(tcpu[x.label]!), 0)} µs/req\n`,
      );
    process.stdout.write(
      `  ratio ours / better FreeRADIUS (TOTP concat), median of same-rep ratios: ${fmt(median(tratios), 2)}\n`,
    );
    if (beforeTotp) process.stdout.write(beforeAfter('TOTP concat', tAfterVsBefore, tCpuAfterVsBefore));

    if (beforePap && beforeTotp) {
      process.stdout.write('\n== upstream: after vs before, interleaved A/B slices ==\n');
      await interleavedAB('proxied PAP', proxies[0]!, beforePap, opts.reps * 4, 4000, () => pap);
      // Each chunk of users at steps t-1, t, t+1 in that order: never a replay, in either build.
      const abBase = opts.totpUsers + 500;
      await interleavedAB('TOTP concat', totpTargets[0]!, beforeTotp, abChunks * 3, abChunk, (i) =>
        concatFactory(
          users.slice(abBase + Math.floor(i / 3) * abChunk, abBase + (Math.floor(i / 3) + 1) * abChunk),
          key,
          (i % 3) - 1,
        ),
      );
    }

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
    baseline?.remove();
    if (opts.cpuProf) process.stdout.write(`CPU profile kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
