import { execFileSync } from 'node:child_process';
import { baselineRef } from './baseline.js';
import { benchCore } from './core.js';
import { runLdapLoginBench } from './ldap-login.js';
import { benchLdapProxy } from './ldap-proxy.js';
import { benchMetrics } from './metrics.js';
import { benchPortal } from './portal.js';
import { benchSms } from './sms.js';
import { benchUpstream } from './upstream.js';

if (!process.env.BENCH_NO_PIN) {
  try {
    // The load generator on CPU 0, the servers on CPU 1 (each server is started under taskset).
    execFileSync('taskset', ['-a', '-pc', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    process.env.BENCH_NO_PIN = '1';
  }
}

/**
 * `npm run bench [-- section...]`: prints figures; never a pass/fail test. Sections: core, upstream, ldap, sms, metrics, portal (default all).
 * Loopback only. Pins servers to CPU 1 and the load generator to CPU 0 when taskset exists
 * (BENCH_NO_PIN=1 to turn that off), as in shared/notes/benchmarking.md.
 * BENCH_BASELINE=<git ref> (default 4357330, `none` for off): upstream also runs that build of the
 * proxy, in the same reps, for before/after figures (scripts/bench/baseline.ts).
 */
const sections = process.argv.slice(2);
const want = (s: string) => sections.length === 0 || sections.includes(s);
const quick = process.env.BENCH_QUICK === '1';

if (want('core'))
  await benchCore({ reps: quick ? 1 : 5, requests: quick ? 5000 : 20000, floodSeconds: quick ? 4 : 10 });

if (want('upstream'))
  await benchUpstream({
    reps: quick ? 1 : 5,
    requests: quick ? 5000 : 20000,
    totpUsers: quick ? 2000 : 8000,
    latencySeconds: quick ? 3 : 10,
    latencyReps: quick ? 1 : 3,
    cpuProf: process.env.BENCH_CPU_PROF === '1',
    baseline: baselineRef(),
  });
if (want('ldap')) {
  await benchLdapProxy({ users: quick ? 1000 : 4000, logins: quick ? 800 : 3000, window: 16 });
  await runLdapLoginBench({ logins: quick ? 1000 : 4000 });
}
if (want('sms'))
  await benchSms({
    logins: quick ? 1000 : 3000,
    reps: quick ? 1 : 3,
    concurrency: 32,
    waiting: 10_000,
    statusSeconds: quick ? 3 : 10,
    cpuProf: process.env.BENCH_CPU_PROF === '1',
  });
if (want('metrics'))
  await benchMetrics({ reps: quick ? 2 : 5, seconds: quick ? 5 : 15, scrapeEveryMs: 1000 });
if (want('portal'))
  await benchPortal({ seconds: quick ? 4 : 10, portalConcurrency: 8, radiusConcurrency: 8 });
