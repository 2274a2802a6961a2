import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  readdirSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';

/**
 * A real FreeRADIUS 3.2, from a private copy of Debian's /etc/freeradius/3.0, on loopback ports:
 * the upstream server in tests and the reference in benchmarks. The caller supplies the virtual
 * servers (sites), clients and users; this helper only makes the copy runnable as an unprivileged
 * throw-away instance (own log and run dirs, no EAP, no stock sites).
 */
export interface FreeRadiusOptions {
  /** Text of one or more `server NAME { ... }` sections. */
  readonly sites: string;
  /** clients.conf text. */
  readonly clients: string;
  /** mods-config/files/authorize (the users file). */
  readonly users?: string;
  /** proxy.conf text (for FreeRADIUS as a proxy). */
  readonly proxy?: string;
  /** Extra radiusd arguments, e.g. ['-t'] for a single thread. */
  readonly args?: readonly string[];
  /** Settings put at the top level of radiusd.conf. */
  readonly radiusdExtra?: string;
  /** Log every Access-Accept/-Reject ("Auth: ... Login OK: [user]") to the output. */
  readonly logAuth?: boolean;
  /** Run under `taskset -c <cpus>` (benchmarks pin servers to CPU 1); its threads inherit it. */
  readonly cpus?: string;
}

export interface FreeRadiusHandle {
  readonly dir: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
  /** Stops with SIGKILL (a crash), keeping the directory for a restart. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export function makeRaddb(opts: FreeRadiusOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-freeradius-'));
  const raddb = join(dir, 'raddb');
  cpSync('/etc/freeradius/3.0', raddb, { recursive: true, dereference: false });
  mkdirSync(join(dir, 'log'));
  mkdirSync(join(dir, 'run'));
  let conf = readFileSync(join(raddb, 'radiusd.conf'), 'utf8');
  conf = conf
    .replace(/^logdir = .*$/m, `logdir = ${join(dir, 'log')}`)
    .replace(/^run_dir = .*$/m, `run_dir = ${join(dir, 'run')}`)
    .replace(/^max_requests = .*$/m, 'max_requests = 1048576')
    .replace(/^(\s*)(user|group) = freerad$/gm, '$1#$2 = freerad')
    // Tests want rejects at once, not after FreeRADIUS's default 1 s delay.
    .replace(/^(\s*)reject_delay = .*$/m, '$1reject_delay = 0');
  if (opts.logAuth) conf = conf.replace(/^(\s*)auth = no$/m, '$1auth = yes');
  if (opts.radiusdExtra) conf += `\n${opts.radiusdExtra}\n`;
  writeFileSync(join(raddb, 'radiusd.conf'), conf);
  // The stock EAP module needs an EAP site and certificates; none is used here.
  for (const f of ['eap']) {
    try {
      unlinkSync(join(raddb, 'mods-enabled', f));
    } catch {
      // absent already
    }
  }
  for (const f of readdirSync(join(raddb, 'sites-enabled'))) unlinkSync(join(raddb, 'sites-enabled', f));
  writeFileSync(join(raddb, 'sites-enabled', 'test'), opts.sites);
  writeFileSync(join(raddb, 'clients.conf'), opts.clients);
  if (opts.users !== undefined) writeFileSync(join(raddb, 'mods-config', 'files', 'authorize'), opts.users);
  writeFileSync(join(raddb, 'proxy.conf'), opts.proxy ?? 'proxy server {\n  default_fallback = no\n}\n');
  return dir;
}

/** Starts FreeRADIUS in the foreground; ready when it logs so. */
export async function startFreeRadius(opts: FreeRadiusOptions): Promise<FreeRadiusHandle> {
  const dir = makeRaddb(opts);
  let child!: ChildProcess;
  let out = '';
  const launch = async () => {
    out = '';
    const argv = ['-f', '-l', 'stdout', '-d', join(dir, 'raddb'), ...(opts.args ?? [])];
    // taskset execs freeradius: same pid, so kill() and /proc/<pid> still reach the server.
    child = opts.cpus
      ? spawn('taskset', ['-c', opts.cpus, 'freeradius', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('freeradius', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const until = Date.now() + 20_000;
    while (!out.includes('Ready to process requests')) {
      if (child.exitCode !== null)
        throw new Error(`freeradius exited (${child.exitCode}):\n${out.slice(-3000)}`);
      if (Date.now() > until) throw new Error(`freeradius did not start:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await launch();
  } catch (e) {
    // A config FreeRADIUS refuses (tests check that too) must not leave its directory behind.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await done;
    }
  };
  return {
    dir,
    get child() {
      return child;
    },
    output: () => out,
    async stop() {
      await stopWith('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stopWith('SIGKILL'),
    restart: launch,
  };
}

/** A site that authenticates PAP users from the users file on one loopback port. */
export function homeSite(
  name: string,
  port: number,
  opts: { requireMessageAuthenticator?: boolean; address?: string; replyMessageAuthenticator?: boolean } = {},
): string {
  // FreeRADIUS 3.2.1 signs a reply only when the attribute is present; our upstream client requires it.
  const ma = opts.replyMessageAuthenticator
    ? 'update reply {\n      &Message-Authenticator := 0x00\n    }'
    : '';
  return `server ${name} {
  listen {
    type = auth
    ipaddr = ${opts.address ?? '127.0.0.1'}
    port = ${port}
    recv_buff = 4194304
  }
  listen {
    type = acct
    ipaddr = ${opts.address ?? '127.0.0.1'}
    port = ${port + 1}
  }
  authorize {
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
  preacct {
  }
  accounting {
    ok
  }
  post-auth {
    ${ma}
    Post-Auth-Type REJECT {
      attr_filter.access_reject
      ${ma}
    }
  }
}
`;
}

/** clients.conf text for loopback callers. */
export function loopbackClient(
  name: string,
  secret: string,
  opts: { requireMessageAuthenticator?: boolean } = {},
): string {
  return `client ${name} {
  ipaddr = 127.0.0.0/8
  secret = ${secret}
  require_message_authenticator = ${opts.requireMessageAuthenticator === false ? 'no' : 'yes'}
}
`;
}

/** Is a UDP port free on loopback right now? */
export async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The State our test upstream puts in its own Access-Challenge: binary, with 0x00 and 0xff octets. */
export const UPSTREAM_CHALLENGE_STATE = Buffer.from('00ff7570737472656d2d7374617465ff00', 'hex');
/** The answer the test upstream's challenge expects (its own second question, e.g. a PIN). */
export const UPSTREAM_CHALLENGE_ANSWER = '424242';

/**
 * An upstream home server for the proxy's tests: PAP users from the users file, a Message-Authenticator
 * in every reply (FreeRADIUS 3.2.1 adds none by default: setting the attribute makes it compute one),
 * its own Access-Challenge for users whose check items carry `Tmp-String-0 := "challenge"` (State
 * UPSTREAM_CHALLENGE_STATE, answer UPSTREAM_CHALLENGE_ANSWER, final Accept with `Class := 0x66696e616c`),
 * and an accounting port (auth port + 1 unless given) that writes every request to the detail file.
 */
export function upstreamSite(
  name: string,
  port: number,
  opts: { messageAuthenticator?: boolean; acctPort?: number; address?: string } = {},
): string {
  const address = opts.address ?? '127.0.0.1';
  const ma = opts.messageAuthenticator === false ? '' : '&Message-Authenticator := 0x00';
  const maUpdate = ma ? `update reply {\n        ${ma}\n      }` : '';
  const state = `0x${UPSTREAM_CHALLENGE_STATE.toString('hex')}`;
  return `server ${name} {
  listen {
    type = auth
    ipaddr = ${address}
    port = ${port}
    recv_buff = 4194304
  }
  listen {
    type = acct
    ipaddr = ${address}
    port = ${opts.acctPort ?? port + 1}
  }
  authorize {
    if (&State) {
      if (&State == ${state} && &User-Password == "${UPSTREAM_CHALLENGE_ANSWER}") {
        update control {
          &Auth-Type := Accept
        }
        update reply {
          &Class := 0x66696e616c
        }
      }
      else {
        reject
      }
    }
    else {
      files
      pap
    }
  }
  authenticate {
    Auth-Type PAP {
      pap
      if (ok && &control:Tmp-String-0 == "challenge") {
        update reply {
          &State := ${state}
          &Reply-Message := "Enter your upstream PIN"
          ${ma}
        }
        update control {
          &Response-Packet-Type := Access-Challenge
        }
        handled
      }
    }
  }
  preacct {
  }
  accounting {
    detail
    ok
  }
  post-auth {
    ${maUpdate}
    Post-Auth-Type REJECT {
      attr_filter.access_reject
      ${maUpdate}
    }
  }
}
`;
}

/** The detail file(s) the upstream site's accounting section wrote: every request's attributes. */
export function readAccountingDetail(handle: FreeRadiusHandle): string {
  const base = join(handle.dir, 'log', 'radacct');
  let out = '';
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else out += readFileSync(join(dir, e.name), 'utf8');
    }
  };
  try {
    walk(base);
  } catch {
    // no accounting yet
  }
  return out;
}

/**
 * FreeRADIUS as a proxy to one home server (the benchmark's reference): every request of the site
 * goes to the pool of that home server, which must verify our Message-Authenticator.
 */
export function proxyToHome(opts: { name: string; port: number; homePort: number; homeSecret: string }): {
  sites: string;
  proxy: string;
} {
  return {
    sites: `server ${opts.name} {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${opts.port}
    recv_buff = 4194304
  }
  authorize {
    update control {
      &Proxy-To-Realm := "home_realm"
    }
  }
  authenticate {
  }
  pre-proxy {
  }
  post-proxy {
  }
  post-auth {
  }
}
`,
    proxy: `proxy server {
  default_fallback = no
}
home_server home {
  type = auth
  ipaddr = 127.0.0.1
  port = ${opts.homePort}
  secret = ${opts.homeSecret}
  response_window = 20
  zombie_period = 40
  revive_interval = 120
  status_check = none
  max_outstanding = 65536
}
home_server_pool home_pool {
  type = fail-over
  home_server = home
}
realm home_realm {
  auth_pool = home_pool
  nostrip
}
`,
  };
}
