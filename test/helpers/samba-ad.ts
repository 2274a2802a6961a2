import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type LdapDirectoryConfig,
  type LdapDirectoryConfigInput,
  ldapDirectorySchema,
} from '../../src/directory/ldap-schema.js';
import { waitForPort } from './slapd.js';

const run = promisify(execFile);

export const SAMBA_REALM = 'EXAMPLE.TEST';
export const SAMBA_DOMAIN = 'EXAMPLE';
export const SAMBA_BASE_DN = 'DC=example,DC=test';
export const SAMBA_ADMIN_DN = `CN=Administrator,CN=Users,${SAMBA_BASE_DN}`;

export interface SambaAdHarness {
  /** ldap://127.53.x.y:389 — Samba's LDAP port is fixed, so each run gets its own loopback address. */
  readonly url: string;
  readonly host: string;
  readonly baseDn: string;
  readonly realm: string;
  readonly domain: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  /** Wall-clock time of `samba-tool domain provision`. */
  readonly provisionMs: number;
  /** Time from spawning `samba` until its LDAP port accepted connections. */
  readonly startMs: number;
  /** Runs `samba-tool ARGS -H <sam.ldb>` directly on the database (no network, no Kerberos). */
  tool(...args: string[]): Promise<string>;
  /** Stops samba, removes the loopback address and the temporary directory. */
  stop(): Promise<void>;
}

/**
 * A Samba AD DC in a temporary directory (`samba-tool domain provision`, ~7-10 s here, so do it ONCE
 * per test file, in beforeAll). Only the LDAP service runs (`server services = ldap`), bound to a
 * dedicated /32 loopback address added to `lo` for the run (Samba's 389/636 cannot be moved, and
 * it only binds to addresses that exist on an interface). Simple binds over plain LDAP are allowed
 * (`ldap server require strong auth = no`) — for the test only. Needs root (samba, ip addr).
 */
export async function startSambaAd(): Promise<SambaAdHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'mfa-samba-'));
  const adminPassword = `Adm1n-${randomInt(1e9)}!x`;
  const host = await claimLoopbackAddress();
  let proc: ChildProcess | undefined;
  // If the test process dies without afterAll, still drop the address and the daemon.
  const onExit = (): void => {
    proc?.kill('SIGKILL');
    try {
      execFileSync('ip', ['addr', 'del', `${host}/32`, 'dev', 'lo'], { stdio: 'ignore' });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cleanup = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    const p = proc;
    proc = undefined;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (p.exitCode === null) p.kill('SIGKILL');
    }
    await run('ip', ['addr', 'del', `${host}/32`, 'dev', 'lo']).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (const d of ['run', 'cache', 'log']) await mkdir(join(dir, d));
    const options = [
      `interfaces = ${host}`,
      'bind interfaces only = yes',
      'server services = ldap',
      'disable netbios = yes',
      `pid directory = ${join(dir, 'run')}`,
      `ncalrpc dir = ${join(dir, 'run', 'ncalrpc')}`,
      `winbindd socket directory = ${join(dir, 'run', 'winbindd')}`,
      `ntp signd socket directory = ${join(dir, 'run', 'ntp_signd')}`,
      `log file = ${join(dir, 'log', 'samba.log')}`,
    ];
    const t0 = performance.now();
    await run(
      'samba-tool',
      [
        'domain',
        'provision',
        '--use-rfc2307',
        `--realm=${SAMBA_REALM}`,
        `--domain=${SAMBA_DOMAIN}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        `--targetdir=${dir}`,
        `--adminpass=${adminPassword}`,
        '--host-name=dc1',
        ...options.map((o) => `--option=${o}`),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const provisionMs = performance.now() - t0;
    // Provision does not write this one; simple binds over plain LDAP are for the test only.
    const conf = join(dir, 'etc', 'smb.conf');
    const text = await readFile(conf, 'utf8');
    await writeFile(conf, text.replace('[global]\n', '[global]\n\tldap server require strong auth = no\n'));

    const t1 = performance.now();
    // stdin is a pipe: samba -i exits when it closes, so a crashed test leaves no daemon behind.
    const p = spawn('samba', ['-i', '-M', 'single', `--configfile=${join(dir, 'etc', 'smb.conf')}`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc = p;
    await waitForPort(389, 30_000, () => (p.exitCode !== null ? `samba exited: ${stderr}` : undefined), host);
    const startMs = performance.now() - t1;

    const samLdb = join(dir, 'private', 'sam.ldb');
    return {
      url: `ldap://${host}:389`,
      host,
      baseDn: SAMBA_BASE_DN,
      realm: SAMBA_REALM,
      domain: SAMBA_DOMAIN,
      adminDn: SAMBA_ADMIN_DN,
      adminPassword,
      provisionMs,
      startMs,
      tool: async (...args) => (await run('samba-tool', [...args, '-H', samLdb])).stdout,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** A `directory:` config (AD flavour) pointing at the harness, with overrides. */
export function sambaDirectoryConfig(
  h: Pick<SambaAdHarness, 'url' | 'baseDn'>,
  bind: { dn: string; password: string },
  over: Partial<Omit<LdapDirectoryConfigInput, 'type'>> = {},
): LdapDirectoryConfig {
  return ldapDirectorySchema.parse({
    type: 'ldap',
    flavour: 'ad',
    servers: [h.url],
    bind_dn: bind.dn,
    bind_password: bind.password,
    base_dn: h.baseDn,
    timeout_ms: 5000,
    ...over,
  });
}

/** A random 127.53.x.y not yet on `lo`, added as /32 for this run (loopback only). */
async function claimLoopbackAddress(): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const host = `127.53.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    const { stdout } = await run('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
    if (stdout.includes(` ${host}/`)) continue;
    if (!(await portFree(host, 389))) continue;
    await run('ip', ['addr', 'add', `${host}/32`, 'dev', 'lo']);
    return host;
  }
  throw new Error('no free 127.53.x.y loopback address');
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}
