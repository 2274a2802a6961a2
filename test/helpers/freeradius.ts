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
    child = spawn('freeradius', ['-f', '-l', 'stdout', '-d', join(dir, 'raddb'), ...(opts.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
  await launch();
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
  opts: { requireMessageAuthenticator?: boolean; address?: string } = {},
): string {
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
    Post-Auth-Type REJECT {
      attr_filter.access_reject
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
