/**
 * In-process A/B of the whole proxied-PAP path (UDP in, pipeline, upstream RADIUS out and back,
 * reply), this checkout against another checkout's sources, both apps in one process, interleaved in
 * slices so both see the same moment of a shared machine. The home server and the load generator
 * are in the same process and do the same work for both sides, so the *difference* of CPU per
 * request is the difference of the proxies' cost (the ratio is diluted by that shared work).
 * Run: git worktree add --detach /tmp/before 4357330 && ln -s "$PWD/node_modules" /tmp/before/
 *      node --import tsx scripts/bench/app-ab.ts /tmp/before [exempt|concat]
 * With `node --cpu-prof`, the profile tells the two builds apart by their file paths.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { PacketCode } from '../../src/radius/codes.js';
import { parseFrame } from '../../src/radius/frame.js';
import { buildResponse } from '../../src/radius/response.js';
import { loadDictionaries } from '../../src/radius/dictionary.js';
import { closedLoop, type PacketFactory } from './loadgen.js';
import { fmt, median } from './proxy-process.js';
import { accessRequest, totp } from './radius-packets.js';
import { makeUsers } from './upstream-setup.js';

const other = process.argv[2];
if (!other) throw new Error('usage: app-ab.ts <other checkout> [exempt|concat]');
const mode = process.argv[3] === 'concat' ? 'concat' : 'exempt';
const slices = Number(process.env.AB_SLICES ?? 24);
const perSlice = Number(process.env.AB_PER_SLICE ?? 3000);
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

loadDictionaries();
const homeSecret = Buffer.from('home-secret-ab');
const clientSecret = 'client-secret-ab';
const users = makeUsers(mode === 'concat' ? slices * 500 : 1000);

/** An Access-Accept for every Access-Request, signed (Message-Authenticator first). */
async function startHome(): Promise<{ port: number; close(): void }> {
  const s = createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    const f = parseFrame(msg);
    if (!f.ok) return;
    const r = buildResponse({ code: PacketCode.AccessAccept, request: f.value, secret: homeSecret, attributes: [] });
    if (r.ok) s.send(r.value, rinfo.port, rinfo.address);
  });
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  return { port: s.address().port, close: () => s.close() };
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  const p = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return p;
}

async function side(root: string, homePort: number) {
  const { startApp } = await import(`${root}/src/app.ts`);
  const { parseConfig } = await import(`${root}/src/config/load.ts`);
  const dir = mkdtempSync(join(tmpdir(), 'app-ab-'));
  const port = await freePort();
  if (mode === 'concat') {
    const { Store } = await import(`${root}/src/store/store.ts`);
    const store = Store.open(dir);
    for (const u of users) {
      store.users.add?.(u.name, { passwordHash: 'x' });
      store.tokens.add(u.name, { secret: u.seed });
    }
    store.close();
  }
  const text = [
    'listen:',
    '  - address: 127.0.0.1',
    `    auth_port: ${port}`,
    `data_dir: ${JSON.stringify(dir)}`,
    'directory:',
    '  type: radius',
    '  servers:',
    '    - address: 127.0.0.1',
    `      auth_port: ${homePort}`,
    `      secret: "${homeSecret.toString()}"`,
    '      timeout: 3',
    '      retries: 0',
    '  dead_after: 1000',
    'clients:',
    '  - name: bench',
    '    address: 127.0.0.1',
    `    secret: "${clientSecret}"`,
    `    mfa_mode: ${mode === 'concat' ? 'concat' : 'challenge'}`,
    ...(mode === 'exempt' ? ['mfa:', `  exempt_users: [${users.map((u) => u.name).join(', ')}]`] : []),
    'lockout:',
    '  max_failures: 1000',
    'log:',
    '  stats_interval_sec: 0',
    '',
  ].join('\n');
  const loaded = parseConfig({ file: join(dir, 'config.yaml'), text });
  const log = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const app = await startApp({ loaded, log });
  return { root, port, app, dir };
}

const home = await startHome();
const a = await side(resolve('.'), home.port);
const b = await side(resolve(other), home.port);
const key = Buffer.from(clientSecret);
const make = (slice: number): PacketFactory => {
  if (mode === 'exempt') {
    const makers = users.map((u) => accessRequest(key, u.name, u.password));
    return (id, seq) => makers[seq % makers.length]!(id);
  }
  const chunk = users.slice(slice * 500, slice * 500 + 500);
  return (id, seq) => {
    const u = chunk[seq % chunk.length]!;
    return accessRequest(key, u.name, `${u.password}${totp(u.seed)}`)(id);
  };
};
const run = async (x: { port: number }, m: PacketFactory, total: number) => {
  const c0 = cpuUs();
  const r = await closedLoop({ label: '', port: x.port, total, window: 64, make: m });
  if (r.received < total) throw new Error(`lost ${total - r.received}`);
  return (cpuUs() - c0) / total;
};
// Warm-up: both JIT-compiled before anything is timed.
for (const x of [a, b]) await run(x, make(0), mode === 'concat' ? 500 : 5000);
const per = mode === 'concat' ? 500 : perSlice;
const diff: number[] = [];
const usA: number[] = [];
const usB: number[] = [];
for (let i = 0; i < slices; i++) {
  const m = make(mode === 'concat' ? i : 0);
  // concat: each chunk of users once per side (a code is single-use), so warm-up used chunk 0.
  if (mode === 'concat' && i === 0) continue;
  const order = i % 2 === 0 ? [a, b] : [b, a];
  const got = new Map<unknown, number>();
  for (const x of order) got.set(x, await run(x, m, per));
  usA.push(got.get(a)!);
  usB.push(got.get(b)!);
  diff.push(got.get(a)! - got.get(b)!);
  if (process.env.AB_VERBOSE) process.stdout.write(`slice ${i}: this ${fmt(got.get(a)!, 1)} other ${fmt(got.get(b)!, 1)} (${order[0] === a ? "this first" : "other first"})\n`);
}
process.stdout.write(
  `${mode}: this ${fmt(median(usA), 1)} µs, other ${fmt(median(usB), 1)} µs CPU per request (whole process: proxy + home + load); this - other, median of same-slice differences: ${fmt(median(diff), 1)} µs (${diff.length} slices of ${per})\n`,
);
for (const x of [a, b]) {
  await x.app.stop();
  rmSync(x.dir, { recursive: true, force: true });
}
home.close();
