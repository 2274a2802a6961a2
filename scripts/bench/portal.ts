import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashPassword } from '../../src/store/password-hash.js';
import { Store } from '../../src/store/store.js';
import { freeTcpPort, freeUdpPort } from '../../test/helpers/ports.js';
import { type BenchUser, type FloodResult, loginFlood } from './login-flood.js';
import { fmt, spawnProxy, writeBenchConfig } from './proxy-process.js';
import { totp } from './radius-packets.js';

/**
 * Issue 11's portal figures: full portal sign-ins (sign-in page, password, code page, TOTP code,
 * "My methods", sign-out: 4 page loads and 3 posts each) per second, and sign-in page loads per
 * second (HTTPS, routing, rendering; no password check), each alone and while challenge-mode RADIUS
 * logins run; and the RADIUS logins' rate and p99 alone and during each. A sign-in costs one scrypt
 * check, as a RADIUS login does, so the two share the hash workers. Loopback only, the proxy on CPU 1.
 */
interface PortalResult {
  readonly signIns: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly pagesPerSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

type Reply = { status: number; body: string; cookie?: string; location?: string };

function call(
  agent: Agent,
  port: number,
  method: 'GET' | 'POST',
  path: string,
  cookie: string,
  form?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = cookie ? { cookie } : {};
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(form));
    }
    // The proxy's own self-signed certificate, on loopback: nothing to verify against.
    const req = request(
      { host: '127.0.0.1', port, path, method, agent, headers, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          const set = res.headers['set-cookie']?.[0];
          resolve({
            status: res.statusCode ?? 0,
            body,
            ...(set ? { cookie: set.split(';')[0]! } : {}),
            ...(res.headers.location ? { location: res.headers.location } : {}),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** One user's whole visit; true when it reached "My methods" and signed out. */
async function visit(agent: Agent, port: number, u: BenchUser): Promise<boolean> {
  let cookie = '';
  const keep = (r: Reply) => {
    if (r.cookie) cookie = r.cookie;
    return r;
  };
  const signInPage = keep(await call(agent, port, 'GET', '/portal/', cookie));
  const form = (f: Record<string, string>, html: string) =>
    new URLSearchParams({ ...f, csrf: csrfOf(html) }).toString();
  const pw = keep(
    await call(
      agent,
      port,
      'POST',
      '/portal/',
      cookie,
      form({ user: u.name, password: u.password }, signInPage.body),
    ),
  );
  if (pw.status !== 303) return false;
  const codePage = keep(await call(agent, port, 'GET', '/portal/', cookie));
  const code = keep(
    await call(agent, port, 'POST', '/portal/code', cookie, form({ code: totp(u.seed) }, codePage.body)),
  );
  if (code.location !== '/portal/methods') return false;
  const methods = keep(await call(agent, port, 'GET', '/portal/methods', cookie));
  if (methods.status !== 200) return false;
  const out = await call(agent, port, 'POST', '/portal/sign-out', cookie, form({}, methods.body));
  return out.status === 303;
}

async function portalLoad(
  port: number,
  users: readonly BenchUser[],
  concurrency: number,
  seconds: number,
): Promise<PortalResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && next < users.length) {
      const u = users[next++]!;
      const t0 = performance.now();
      if (await visit(agent, port, u)) times.push(performance.now() - t0);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const s = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(times).sort();
  const pct = (p: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
  return {
    signIns: times.length,
    failed,
    perSecond: times.length / s,
    pagesPerSecond: (times.length * 4) / s,
    p50ms: pct(50),
    p99ms: pct(99),
  };
}

/** Page loads alone (the sign-in page of one session, keep-alive): HTTPS, routing and rendering. */
async function pageLoads(
  port: number,
  concurrency: number,
  seconds: number,
): Promise<{ perSecond: number; p99ms: number; failed: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const first = await call(agent, port, 'GET', '/portal/', '');
  const cookie = first.cookie ?? '';
  const times: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const r = await call(agent, port, 'GET', '/portal/', cookie);
      if (r.status === 200) times.push(performance.now() - t0);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const sorted = Float64Array.from(times).sort();
  return {
    perSecond: times.length / ((performance.now() - start) / 1000),
    p99ms: sorted.length ? sorted[Math.floor(0.99 * (sorted.length - 1))]! : Number.NaN,
    failed,
  };
}

export async function benchPortal(opts: {
  seconds: number;
  portalConcurrency: number;
  radiusConcurrency: number;
}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-portal-'));
  const secret = randomBytes(12).toString('hex');
  const port = await freeUdpPort();
  const https = await freeTcpPort();
  const dataDir = join(dir, 'data');
  const store = Store.open(dataDir, { synchronous: 'NORMAL' });
  const hash = await hashPassword(Buffer.from('bench-password'));
  const make = (prefix: string, n: number): BenchUser[] =>
    Array.from({ length: n }, (_, i) => {
      const seed = randomBytes(20);
      store.users.add(`${prefix}${i}`, hash);
      store.tokens.add(`${prefix}${i}`, { secret: seed });
      return { name: `${prefix}${i}`, password: 'bench-password', seed };
    });
  // Each user once per phase: a TOTP code works once (the replay guard), in the portal as over RADIUS.
  const portalUsers = [make('pa', 1500), make('pb', 1500)];
  const radiusUsers = [make('ra', 2000), make('rb', 2000), make('rc', 2000)];
  store.close();
  const config = writeBenchConfig(join(dir, 'config.yaml'), {
    port,
    dataDir,
    secret,
    mfaMode: 'challenge',
    extra: [
      'http:',
      `  listen: [{ address: 127.0.0.1, port: ${https} }]`,
      `  public_url: https://127.0.0.1:${https}`,
      'portal: { sign_in_per_minute: 10000, session_max_sec: 3600 }',
      'lockout: { max_failures: 1000 }',
      'log: { stats_interval_sec: 0 }',
    ],
  });
  const proxy = await spawnProxy(config, process.env.BENCH_NO_PIN ? undefined : '1');
  const secretBuf = Buffer.from(secret);
  const radius = (users: readonly BenchUser[]) =>
    loginFlood({
      port,
      secret: secretBuf,
      users,
      concurrency: opts.radiusConcurrency,
      seconds: opts.seconds,
    });
  const p = (r: PortalResult) =>
    `${fmt(r.perSecond, 1).padStart(7)} sign-ins/s  ${fmt(r.pagesPerSecond, 0).padStart(5)} pages/s  p50 ${fmt(r.p50ms, 1)} ms  p99 ${fmt(r.p99ms, 1)} ms  failed ${r.failed}`;
  const pg = (r: { perSecond: number; p99ms: number; failed: number }) =>
    `${fmt(r.perSecond, 0).padStart(7)} pages/s  p99 ${fmt(r.p99ms, 1)} ms  failed ${r.failed}`;
  const l = (r: FloodResult) =>
    `${fmt(r.perSecond, 0).padStart(7)} logins/s  p50 ${fmt(r.p50ms, 1)} ms  p99 ${fmt(r.p99ms, 1)} ms  failed ${r.failed}`;
  try {
    process.stdout.write(
      `\n== portal: full portal sign-ins (password + TOTP, 4 pages, 3 posts), ${opts.portalConcurrency} browsers; RADIUS challenge logins from ${opts.radiusConcurrency} gateways; ${opts.seconds} s each ==\n`,
    );
    // Warm-up, not reported.
    await portalLoad(https, portalUsers[0]!.splice(0, 200), opts.portalConcurrency, 2);
    const alone = await portalLoad(https, portalUsers[0]!, opts.portalConcurrency, opts.seconds);
    process.stdout.write(`portal alone                       ${p(alone)}\n`);
    const radiusAlone = await radius(radiusUsers[0]!);
    process.stdout.write(`RADIUS alone                       ${l(radiusAlone)}\n`);
    const pagesAlone = await pageLoads(https, opts.portalConcurrency, opts.seconds);
    process.stdout.write(`sign-in page loads alone           ${pg(pagesAlone)}\n`);
    const [both, radiusBoth] = await Promise.all([
      portalLoad(https, portalUsers[1]!, opts.portalConcurrency, opts.seconds),
      radius(radiusUsers[1]!),
    ]);
    process.stdout.write(`portal during RADIUS load          ${p(both)}\n`);
    process.stdout.write(`RADIUS during portal sign-ins      ${l(radiusBoth)}\n`);
    const [pagesBoth, radiusPages] = await Promise.all([
      pageLoads(https, opts.portalConcurrency, opts.seconds),
      radius(radiusUsers[2]!),
    ]);
    process.stdout.write(`sign-in page loads during RADIUS   ${pg(pagesBoth)}\n`);
    process.stdout.write(`RADIUS during page loads           ${l(radiusPages)}\n`);
  } finally {
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
