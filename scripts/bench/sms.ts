import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PacketCode } from '../../src/radius/codes.js';
import { Store } from '../../src/store/store.js';
import { openLoop } from './loadgen.js';
import { fmt, median } from './proxy-process.js';
import { accessRequest, statusServer, stateOf, udpAsker } from './radius-packets.js';
import { FakeSmsc, FakeTwilio, makeBenchCert } from './sms-fakes.js';
import { type BenchUser, cpuSeconds, makeUsers, startHome, startOurProxy } from './upstream-setup.js';

export interface SmsBenchOptions {
  /** Full one-way logins per rep (closed loop). */
  readonly logins: number;
  readonly reps: number;
  /** Logins in flight at once (one simulated gateway socket each). */
  readonly concurrency: number;
  /** Two-way logins opened at once and held. */
  readonly waiting: number;
  /** Seconds of Status-Server at 1,000/s while they wait. */
  readonly statusSeconds: number;
  /** Write V8 CPU profiles of both proxies (kept in the bench's temp dir): `node --cpu-prof`. */
  readonly cpuProf?: boolean;
}

const SID = `AC${'b2'.repeat(16)}`;
const TOKEN = randomBytes(16).toString('hex');
const SMPP_PW = randomBytes(4).toString('hex');
/** Valid German mobile numbers (0151 + 8 digits), one per user. */
const phoneOf = (i: number): string => `+49151${String(i).padStart(8, '0')}`;

/** Every SMS budget raised out of the way: the bench measures the path, not the toll-fraud guard. */
const budgets = [
  '  budgets:',
  ...['per_user', 'per_client', 'per_country', 'total'].map(
    (k) => `    ${k}: { hour: 1000000, day: 1000000 }`,
  ),
];

const seedPhones = (phones: ReadonlyMap<string, string>) => async (dataDir: string) => {
  const store = Store.open(dataDir);
  for (const [name, phone] of phones) store.phones.set(name, phone);
  store.close();
};

/** RSS of a process in MiB, from /proc/<pid>/status. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function bound(): Promise<Socket> {
  const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

const pct = (sorted: Float64Array, p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

/**
 * One-way SMS logins, closed loop: `concurrency` gateways, each doing password → Access-Challenge
 * → the code the fake provider received for that user's number (+ State) → Access-Accept.
 */
async function oneWayLogins(opts: {
  port: number;
  secret: Buffer;
  users: readonly BenchUser[];
  phones: ReadonlyMap<string, string>;
  twilio: FakeTwilio;
  logins: number;
  concurrency: number;
  offset: number;
}) {
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    const sock = await bound();
    let id = 0;
    const ask = udpAsker(sock, opts.port);
    while (next < opts.logins) {
      const u = opts.users[(opts.offset + next++) % opts.users.length]!;
      const t0 = performance.now();
      const first = await ask(accessRequest(opts.secret, u.name, u.password)(id++ & 0xff));
      const code = opts.twilio.codes.get(opts.phones.get(u.name)!);
      if (first?.[0] !== PacketCode.AccessChallenge || !code) {
        failed++;
        continue;
      }
      const second = await ask(accessRequest(opts.secret, u.name, code, stateOf(first))(id++ & 0xff));
      if (second?.[0] === PacketCode.AccessAccept) times.push(performance.now() - t0);
      else failed++;
    }
    sock.close();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(times).sort();
  return {
    accepted: times.length,
    failed,
    perSecond: times.length / seconds,
    p50ms: pct(sorted, 50),
    p99ms: pct(sorted, 99),
  };
}

/**
 * Opens `users.length` two-way logins (one Access-Request each, held by the proxy until the phone
 * replies), over sockets of at most 200 outstanding Identifiers, paced at `perTick` every 100 ms
 * so the proxy's receive buffer is not what is measured. Resolves `done` when every one has an
 * answer or `timeoutMs` passed.
 */
async function openHeld(opts: {
  port: number;
  secret: Buffer;
  users: readonly BenchUser[];
  perTick: number;
  timeoutMs: number;
}) {
  const perSocket = 200;
  const sockets = await Promise.all(
    Array.from({ length: Math.ceil(opts.users.length / perSocket) }, () => bound()),
  );
  const codes: Record<number, number> = {};
  let answered = 0;
  const answeredAt: number[] = [];
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const timer = setTimeout(resolveDone, opts.timeoutMs);
  for (const s of sockets)
    s.on('message', (m) => {
      codes[m[0]!] = (codes[m[0]!] ?? 0) + 1;
      answered++;
      answeredAt.push(performance.now());
      if (answered >= opts.users.length) resolveDone();
    });
  for (let i = 0; i < opts.users.length; i++) {
    const u = opts.users[i]!;
    // Socket i/200, Identifier i%200: every outstanding request has its own (port, Identifier).
    sockets[Math.floor(i / perSocket)]!.send(
      accessRequest(opts.secret, u.name, u.password)(i % perSocket),
      opts.port,
      '127.0.0.1',
    );
    if ((i + 1) % opts.perTick === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return {
    codes,
    answeredAt,
    get answered() {
      return answered;
    },
    done: done.then(() => {
      clearTimeout(timer);
      for (const s of sockets) s.close();
    }),
  };
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`sms bench: ${what} not reached within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Issue 10's benchmark, in one run: one-way SMS challenge logins per second through a Twilio-shaped
 * HTTPS provider, then `waiting` concurrent two-way logins held for the phone's reply (SMPP), with
 * the proxy's RSS and the Status-Server p99 while they wait, then released by deliver_sm replies.
 * The primary is RADIUS (`directory.type: radius`) to the FreeRADIUS home of the upstream bench,
 * so no scrypt hash is in the figure. Servers on CPU 1, the load generator and the fakes on CPU 0.
 */
export async function benchSms(opts: SmsBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-sms-'));
  const cpus = process.env.BENCH_NO_PIN ? undefined : '1';
  const homeSecret = randomBytes(12).toString('hex');
  const secret = randomBytes(12).toString('hex');
  const key = Buffer.from(secret);
  const users = makeUsers(Math.max(opts.waiting, 1000));
  const phones = new Map(users.map((u, i) => [u.name, phoneOf(i + 1)]));
  const stops: Array<() => Promise<void>> = [];
  try {
    const home = await startHome(users, homeSecret, cpus);
    stops.push(() => home.fr.stop());
    const cert = makeBenchCert(dir);
    const twilio = await FakeTwilio.start({ ...cert, accountSid: SID, authToken: TOKEN });
    stops.push(() => twilio.close());
    const common = {
      dir,
      homePort: home.port,
      homeSecret,
      clientSecret: secret,
      users,
      mode: 'challenge' as const,
      cpus,
      seed: seedPhones(phones),
      cpuProf: opts.cpuProf,
    };
    const oneWay = await startOurProxy({
      ...common,
      name: 'sms-one-way',
      extra: [
        'sms:',
        '  default_country: DE',
        ...budgets,
        '  providers:',
        '    - name: twilio',
        '      type: twilio',
        `      account_sid: ${SID}`,
        `      auth_token: "${TOKEN}"`,
        '      from: "+15005550006"',
        `      base_url: https://127.0.0.1:${twilio.port}`,
        `      ca_file: ${cert.certFile}`,
      ],
    });
    stops.push(() => oneWay.stop());
    const pid = oneWay.child.pid!;
    const homePid = home.fr.child.pid!;

    process.stdout.write(
      `\n== sms: one-way SMS challenge logins (Twilio-shaped HTTPS provider, RADIUS primary → FreeRADIUS home), closed loop, ${opts.logins} logins x ${opts.reps} reps, ${opts.concurrency} at once ==\n`,
    );
    const run = (logins: number, offset: number) =>
      oneWayLogins({
        port: oneWay.port,
        secret: key,
        users,
        phones,
        twilio,
        logins,
        concurrency: opts.concurrency,
        offset,
      });
    // Untimed warm-up (JIT, the HTTPS keep-alive connections).
    await run(300, 0);
    const rates: number[] = [];
    const p50s: number[] = [];
    const p99s: number[] = [];
    const cpuUs: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const c0 = cpuSeconds(pid);
      const h0 = cpuSeconds(homePid);
      const r = await run(opts.logins, 300 + rep * opts.logins);
      const us = ((cpuSeconds(pid) - c0) * 1e6) / Math.max(1, r.accepted);
      const homeUs = ((cpuSeconds(homePid) - h0) * 1e6) / Math.max(1, r.accepted);
      process.stdout.write(
        `one-way #${rep + 1}  ${fmt(r.perSecond, 0).padStart(6)} logins/s  p50 ${fmt(r.p50ms, 2)} ms  p99 ${fmt(r.p99ms, 2)} ms  failed ${r.failed}/${opts.logins}  proxy cpu ${fmt(us, 0)} µs/login (+home ${fmt(homeUs, 0)})\n`,
      );
      rates.push(r.perSecond);
      p50s.push(r.p50ms);
      p99s.push(r.p99ms);
      cpuUs.push(us);
    }
    process.stdout.write(
      `  median: ${fmt(median(rates), 0)} logins/s, p50 ${fmt(median(p50s), 2)} ms, p99 ${fmt(median(p99s), 2)} ms per full login (2 round trips + 1 HTTPS send), proxy ${fmt(median(cpuUs), 0)} µs CPU/login (no target; figures)\n`,
    );
    await oneWay.stop();

    const smsc = await FakeSmsc.start({ systemId: 'mfa', password: SMPP_PW });
    stops.push(() => smsc.close());
    const held = users.slice(0, opts.waiting);
    const twoWay = await startOurProxy({
      ...common,
      name: 'sms-two-way',
      users: held,
      clientExtra: ['nas_timeout: 60'],
      // 10,000 Access-Requests go upstream within seconds: 64 sockets x 256 Identifiers.
      directoryExtra: ['sockets_per_server: 64'],
      extra: [
        'sms:',
        '  default_country: DE',
        '  mode: two_way',
        '  message: "Reply with {code} to log in"',
        ...budgets,
        '  providers:',
        '    - name: smsc',
        '      type: smpp',
        `      url: smpp://127.0.0.1:${smsc.port}`,
        '      system_id: mfa',
        `      password: "${SMPP_PW}"`,
        '      source_addr: ACME',
        '      rate: 1000',
        '      burst: 1000',
        '      submit_timeout: 30',
      ],
    });
    stops.push(() => twoWay.stop());
    const pid2 = twoWay.child.pid!;
    await waitFor(() => smsc.bound, 15_000, 'the SMPP bind');
    process.stdout.write(
      `\n== sms: ${opts.waiting} concurrent two-way logins waiting for the SMS reply (SMPP SMSC, rate 1000/s), nas_timeout 60 ==\n`,
    );
    const status = statusServer(key);
    // The idle figures first, for comparison (the same proxy, nothing held).
    await openLoop({ label: 'warm-up', port: twoWay.port, rate: 1000, seconds: 3, make: status });
    const idle = await openLoop({
      label: 'idle',
      port: twoWay.port,
      rate: 1000,
      seconds: opts.statusSeconds,
      make: status,
    });
    const idleRss = rssMiB(pid2);
    const t0 = performance.now();
    const open = await openHeld({
      port: twoWay.port,
      secret: key,
      users: held,
      perTick: 250,
      timeoutMs: 75_000,
    });
    await waitFor(() => smsc.submits >= held.length || open.answered > 0, 45_000, `${held.length} SMS sent`);
    const sentIn = (performance.now() - t0) / 1000;
    // The last submit_sm_resp is on its way: the proxy enters the wait when it arrives.
    await new Promise((r) => setTimeout(r, 500));
    const heldRss = rssMiB(pid2);
    const busy = await openLoop({
      label: 'held',
      port: twoWay.port,
      rate: 1000,
      seconds: opts.statusSeconds,
      make: status,
    });
    const heldRss2 = rssMiB(pid2);
    const stillHeld = held.length - open.answered;
    process.stdout.write(
      `opened ${held.length} (paced 2,500/s), ${smsc.submits} SMS at the SMSC after ${fmt(sentIn, 1)} s, ${stillHeld} held, ${open.answered} answered early\n` +
        `RSS idle ${fmt(idleRss, 0)} MiB → holding ${fmt(Math.max(heldRss, heldRss2), 0)} MiB (${fmt(heldRss, 0)} when all were sent, ${fmt(heldRss2, 0)} after the Status-Server run)   (target ≤ 200 MB)\n` +
        `Status-Server at 1000/s for ${opts.statusSeconds} s: idle p50 ${fmt(idle.p50ms, 2)} p99 ${fmt(idle.p99ms, 2)} ms lost ${idle.lost}/${idle.sent}; ` +
        `holding p50 ${fmt(busy.p50ms, 2)} p99 ${fmt(busy.p99ms, 2)} ms lost ${busy.lost}/${busy.sent}   (target p99 ≤ 5 ms; loadgen loop p99 ${fmt(busy.loopDelayP99ms, 2)} ms)\n`,
    );
    // Release: every phone replies with its code (deliver_sm), 200 at a time.
    const r0 = performance.now();
    let missing = 0;
    for (let i = 0; i < held.length; i += 200) {
      await Promise.all(
        held.slice(i, i + 200).map((u) => {
          const from = phones.get(u.name)!.slice(1);
          const code = smsc.codes.get(from);
          if (!code) {
            missing++;
            return Promise.resolve();
          }
          return smsc.deliver(from, 'ACME', code);
        }),
      );
    }
    await open.done;
    const last = open.answeredAt.length ? Math.max(...open.answeredAt) : r0;
    const accepts = open.codes[PacketCode.AccessAccept] ?? 0;
    process.stdout.write(
      `released by deliver_sm replies: ${accepts}/${held.length} Access-Accept, ${open.codes[PacketCode.AccessReject] ?? 0} reject, ${open.codes[PacketCode.AccessChallenge] ?? 0} challenge, ${held.length - open.answered} unanswered, ${missing} without a code; all answered ${fmt((last - r0) / 1000, 1)} s after the first reply\n`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (opts.cpuProf) process.stdout.write(`CPU profiles kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
