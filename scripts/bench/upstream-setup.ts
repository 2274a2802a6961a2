import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { base32Encode } from '../../src/factors/totp.js';
import { Store } from '../../src/store/store.js';
import {
  type FreeRadiusHandle,
  homeSite,
  loopbackClient,
  proxyToHome,
  startFreeRadius,
} from '../../test/helpers/freeradius.js';
import { freeUdpPort } from '../../test/helpers/ports.js';
import { stopChild, writeBenchConfig } from './proxy-process.js';

/** One benchmark user: PAP password at the home server, TOTP seed at the proxies. */
export interface BenchUser {
  readonly name: string;
  readonly password: string;
  readonly seed: Buffer;
}

export function makeUsers(n: number): BenchUser[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `user${i + 1}`,
    password: `pass${i + 1}`,
    seed: randomBytes(20),
  }));
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 (utime, stime) in clock ticks; after the ") " split they are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The FreeRADIUS home server: PAP users from the users file, Message-Authenticator in replies. */
export async function startHome(users: readonly BenchUser[], secret: string, cpus?: string) {
  const port = await freeUdpPort();
  const fr = await startFreeRadius({
    sites: homeSite('home', port, { replyMessageAuthenticator: true }).replace(
      /listen \{\n\s+type = acct[\s\S]*?\n {2}\}\n/,
      '',
    ),
    clients: loopbackClient('bench', secret),
    users: users.map((u) => `${u.name} Cleartext-Password := "${u.password}"\n`).join(''),
    cpus,
  });
  return { fr, port };
}

/**
 * FreeRADIUS as a proxy to the home server, PAP only or with TOTP concat: the last 6 digits of
 * User-Password are checked by rlm_totp against the user's TOTP-Secret, the rest is proxied.
 */
export async function startFrProxy(opts: {
  homePort: number;
  homeSecret: string;
  clientSecret: string;
  users: readonly BenchUser[];
  totp: boolean;
  singleThread: boolean;
  cpus?: string;
}): Promise<{ fr: FreeRadiusHandle; port: number }> {
  const port = await freeUdpPort();
  const { sites, proxy } = proxyToHome({
    name: 'proxy',
    port,
    homePort: opts.homePort,
    homeSecret: opts.homeSecret,
  });
  const totpAuthorize = `authorize {
    files
    if (&User-Password =~ /^(.*)([0-9]{6})$/) {
      update request {
        &TOTP-Password := "%{2}"
        &User-Password := "%{1}"
      }
      totp.authenticate
      if (!ok) {
        reject
      }
      update control {
        &Proxy-To-Realm := "home_realm"
      }
    }
    else {
      reject
    }
  }`;
  const fr = await startFreeRadius({
    sites: opts.totp ? sites.replace(/authorize \{[\s\S]*?\n {2}\}\n {2}\}/, totpAuthorize) : sites,
    clients: loopbackClient('bench', opts.clientSecret),
    users: opts.totp
      ? opts.users.map((u) => `${u.name} TOTP-Secret := "${base32Encode(u.seed)}"\n`).join('')
      : '',
    proxy,
    args: opts.singleThread ? ['-t'] : [],
    cpus: opts.cpus,
  });
  return { fr, port };
}

export interface OurProxy {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * This proxy as a separate process, pinned like the servers, with the upstream directory pointing
 * at the home server. Its audit log (one JSON line per request, as in production) goes to a file.
 */
export async function startOurProxy(opts: {
  dir: string;
  name: string;
  homePort: number;
  homeSecret: string;
  clientSecret: string;
  users: readonly BenchUser[];
  /** exempt: the users need no second factor; concat: TOTP seeded; challenge: what `seed` enrols. */
  mode: 'exempt' | 'concat' | 'challenge';
  cpus?: string;
  cpuProf?: boolean;
  /** 'warn' turns the per-request audit line off (to show what it costs). */
  logLevel?: 'info' | 'warn';
  /** More top-level config lines (experiments). */
  extra?: string[];
  /** More keys of the `bench` client (e.g. nas_timeout). */
  clientExtra?: string[];
  /** More keys of `directory:` (e.g. sockets_per_server). */
  directoryExtra?: string[];
  /** Another build's CLI (the BENCH_BASELINE target); default BENCH_PROXY_CLI or this checkout's dist/. */
  cli?: string;
  /** Seeds the TOTP enrolments (concat mode) with that build's own Store; default this checkout's. */
  seed?: (dataDir: string, users: readonly BenchUser[]) => Promise<void>;
}): Promise<OurProxy> {
  const port = await freeUdpPort();
  const dataDir = join(opts.dir, `${opts.name}-data`);
  if (opts.mode === 'concat') await (opts.seed ?? seedStore)(dataDir, opts.users);
  else if (opts.mode === 'challenge' && opts.seed) await opts.seed(dataDir, opts.users);
  const config = writeBenchConfig(join(opts.dir, `${opts.name}.yaml`), {
    port,
    dataDir,
    secret: opts.clientSecret,
    mfaMode: opts.mode === 'concat' ? 'concat' : 'challenge',
    ...(opts.clientExtra ? { clientExtra: opts.clientExtra } : {}),
    directory: [
      'directory:',
      '  type: radius',
      '  servers:',
      '    - address: 127.0.0.1',
      `      auth_port: ${opts.homePort}`,
      `      secret: "${opts.homeSecret}"`,
      '      timeout: 3',
      '      retries: 0',
      // Under a closed loop at saturation a few late answers must not mark the only server dead.
      '  dead_after: 1000',
      ...(opts.directoryExtra ?? []).map((l) => `  ${l}`),
    ],
    extra: [
      ...(opts.mode === 'exempt'
        ? ['mfa:', `  exempt_users: [${opts.users.map((u) => u.name).join(', ')}]`]
        : []),
      'lockout:',
      '  max_failures: 1000',
      'log:',
      `  level: ${opts.logLevel ?? 'info'}`,
      '  stats_interval_sec: 0',
      ...(opts.extra ?? []),
    ],
  });
  // BENCH_PROXY_CLI: another build of the proxy (A/B experiments); default the repository's dist/.
  const cli = opts.cli ?? process.env.BENCH_PROXY_CLI ?? resolve('dist/cli/main.js');
  const node = [
    ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.dir}`] : []),
    // BENCH_NODE_FLAGS: extra node/V8 flags for the proxy under test (e.g. --trace-gc).
    ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    cli,
    'serve',
    '--config',
    config,
  ];
  // The proxy's stdout (its audit log, as journald would take it) goes straight to a file: read
  // through a pipe by this process, every log write would wake the load generator's own event loop
  // and charge the proxy's logging to the measurement.
  const log = join(opts.dir, `${opts.name}.log`);
  const out = openSync(log, 'w');
  const child = opts.cpus
    ? spawn('taskset', ['-c', opts.cpus, process.execPath, ...node], { stdio: ['ignore', out, 'inherit'] })
    : spawn(process.execPath, node, { stdio: ['ignore', out, 'inherit'] });
  closeSync(out);
  // At level warn there is no start line to wait for: wait until the port answers instead.
  if (opts.logLevel === 'warn') await waitForPort(port);
  else {
    const until = Date.now() + 15_000;
    while (!readFileSync(log, 'utf8').includes('"event":"started"')) {
      if (child.exitCode !== null) throw new Error(`proxy ${opts.name} exited before starting`);
      if (Date.now() > until) throw new Error(`proxy ${opts.name} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    port,
    stop: () => stopChild(child),
  };
}

/** One TOTP enrolment per user, through this checkout's Store (the CLI's path). */
async function seedStore(dataDir: string, users: readonly BenchUser[]): Promise<void> {
  const store = Store.open(dataDir);
  for (const u of users) store.tokens.add(u.name, { secret: u.seed });
  store.close();
}

async function waitForPort(port: number): Promise<void> {
  const until = Date.now() + 15_000;
  // A Status-Server needs the client secret; any datagram from an unknown source is dropped, so
  // wait for the socket to be bound instead (bind fails with EADDRINUSE once it is).
  while (Date.now() < until) {
    const s = createSocket('udp4');
    const bound = await new Promise<boolean>((r) => {
      s.once('error', () => r(true));
      s.bind(port, '127.0.0.1', () => r(false));
    });
    try {
      s.close();
    } catch {
      // never bound
    }
    if (bound) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('proxy did not start');
}

/** Sends one packet and returns the reply's code (0 on timeout): the sanity check before timing. */
export async function replyCode(port: number, packet: Buffer, timeoutMs = 2000): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    return await new Promise<number>((resolveCode) => {
      const timer = setTimeout(() => resolveCode(0), timeoutMs);
      s.once('message', (m) => {
        clearTimeout(timer);
        resolveCode(m[0]!);
      });
      s.send(packet, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

/**
 * The Node floor (node-floor-proxy.mjs): the same proxy work without any product feature, to show
 * how much of the gap to FreeRADIUS is Node itself and how much is ours.
 */
export async function startNodeFloor(opts: {
  homePort: number;
  homeSecret: string;
  clientSecret: string;
  cpus?: string;
}): Promise<{ child: ChildProcess; port: number; stop(): Promise<void> }> {
  const port = await freeUdpPort();
  const args = [
    resolve('scripts/bench/node-floor-proxy.mjs'),
    String(port),
    String(opts.homePort),
    opts.clientSecret,
    opts.homeSecret,
  ];
  const child = opts.cpus
    ? spawn('taskset', ['-c', opts.cpus, process.execPath, ...args], { stdio: 'ignore' })
    : spawn(process.execPath, args, { stdio: 'ignore' });
  await waitForPort(port);
  return {
    child,
    port,
    stop: () => stopChild(child),
  };
}
