import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { LockoutPolicy } from '../../../src/factors/lockout.js';
import { systemClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';
import { CLI, startProxy } from '../../helpers/proxy.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { cli, STACK } from './cli-run.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mfa-clidef-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A config file (mode 0600 unless asked) with its own data_dir. */
function config(
  body: string,
  opts: { mode?: number; dataDir?: string } = {},
): { file: string; dataDir: string } {
  const sub = join(dir, `c${++n}`);
  mkdirSync(sub);
  const dataDir = opts.dataDir ?? join(sub, 'data');
  const file = join(sub, 'config.yaml');
  writeFileSync(file, `data_dir: ${dataDir}\n${body}`);
  chmodSync(file, opts.mode ?? 0o600);
  return { file, dataDir };
}
const CLIENT = 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n';
const LDAP = (extra = '') =>
  `directory:\n  type: ldap\n  servers: [ldap://127.0.0.1:9]\n  bind_dn: cn=svc\n  bind_password: pw\n  base_dn: dc=example,dc=org\n${extra}`;

describe('check-config refuses what serve refuses (items 6, 13)', () => {
  it('unenrolled: enroll without http.public_url, with the reason, the file and the key', async () => {
    const { file } = config(`${CLIENT}mfa:\n  unenrolled: enroll\n`);
    for (const cmd of ['check-config', 'serve']) {
      const r = await cli([cmd, '--config', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}:7: mfa.unenrolled:`);
      // Issue 11: the portal exists; what is missing is the listener and the URL users are sent to.
      expect(r.stderr).toContain('needs the HTTPS listener: add http: with listen and public_url');
    }
  });

  it('a missing directory.ca_file', async () => {
    const { file } = config(`${LDAP(`  ca_file: ${join(dir, 'missing-ca.pem')}\n`)}${CLIENT}`);
    for (const cmd of ['check-config', 'serve']) {
      const r = await cli([cmd, '--config', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('MFA_ERR_CONFIG_PATH');
      expect(r.stderr).toContain(`${file}: directory.ca_file: ${join(dir, 'missing-ca.pem')} does not exist`);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('a data_dir that cannot be created: a code and the key, never a stack', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const { file } = config(CLIENT, { dataDir: join(dir, 'plain-file', 'data') });
    for (const cmd of ['check-config', 'serve', 'user', 'token']) {
      const args = cmd === 'user' ? ['user', 'list'] : cmd === 'token' ? ['token', 'list'] : [cmd];
      const r = await cli([...args, '--config', file]);
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^MFA_ERR_CONFIG_PATH: /m);
      expect(r.stderr).toContain(`${file}: data_dir: ${join(dir, 'plain-file', 'data')} cannot be created`);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('a data_dir whose parent the service user cannot write (EACCES): a code, never a stack', async () => {
    const base = join(dir, 'not-writable');
    mkdirSync(base);
    const file = join(base, 'config.yaml');
    writeFileSync(file, `data_dir: ${join(base, 'ro', 'data')}\n${CLIENT}`);
    mkdirSync(join(base, 'ro'));
    // As root, run as nobody (root may write anywhere); otherwise a read-only parent does it.
    const asRoot = process.getuid?.() === 0;
    for (const f of [dir, base]) chmodSync(f, 0o755);
    chmodSync(file, 0o644);
    chmodSync(join(base, 'ro'), asRoot ? 0o755 : 0o555);
    const prefix = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    try {
      for (const args of [['check-config'], ['serve'], ['user', 'list'], ['directory', 'test', 'x']]) {
        const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const argv = [...prefix, process.execPath, CLI, ...args, '--config', file];
          const child = spawn(argv[0]!, argv.slice(1), {
            env: { ...process.env, MFA_RADIUS_PROXY_CONFIG: '' },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          child.on('close', (code) => resolve({ code, stderr }));
        });
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).not.toBe(0);
        expect(r.stderr).toMatch(/^MFA_ERR_(CONFIG_PATH|FILE_ACCESS): /m);
        expect(r.stderr).toContain(join(base, 'ro'));
        expect(r.stderr).not.toMatch(STACK);
      }
    } finally {
      chmodSync(join(base, 'ro'), 0o755);
      chmodSync(dir, 0o700);
    }
  });

  it('user list with a secret.key readable by others: MFA_ERR_…, no stack', async () => {
    const { file, dataDir } = config(CLIENT);
    expect((await cli(['user', 'list', '--config', file])).code).toBe(0); // creates the store
    chmodSync(join(dataDir, 'secret.key'), 0o644);
    const r = await cli(['user', 'list', '--config', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^MFA_ERR_[A-Z_]+: /m);
    expect(r.stderr).toContain(`chmod 600 ${join(dataDir, 'secret.key')}`);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('warnings (item 14)', () => {
  it('check-config and serve warn on a short secret and a world-readable file, and still pass', async () => {
    const port = await freeUdpPort();
    const { file } = config(
      `listen:\n  - address: 127.0.0.1\n    auth_port: ${port}\nclients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "short-12"\n`,
      { mode: 0o644 },
    );
    const checked = await cli(['check-config', '--config', file]);
    expect(checked.code).toBe(0);
    expect(checked.stderr).toContain(`warning: ${file}: clients[0].secret:`);
    expect(checked.stderr).toContain(
      `warning: ${file}: the config file is readable by others (mode 0644)`,
    );
    expect(checked.stderr + checked.stdout).not.toContain('short-12');

    const child = spawn(process.execPath, [CLI, 'serve', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('"event":"started"')) resolve();
      }),
    );
    await started;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    expect(stderr).toContain(`warning: ${file}: clients[0].secret:`);
    expect(stderr).toContain(`warning: ${file}: the config file is readable by others`);
  });
});

describe('which config and data directory (item 12)', () => {
  it('every command says which config file and data_dir it uses', async () => {
    const { file, dataDir } = config(CLIENT);
    for (const args of [['check-config'], ['user', 'list'], ['token', 'list'], ['lockouts']]) {
      const r = await cli([...args, '--config', file]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`config: ${file} (from --config); data_dir: ${dataDir}`);
    }
  });

  it('$MFA_RADIUS_PROXY_CONFIG is used without --config', async () => {
    const { file, dataDir } = config(CLIENT);
    const r = await cli(['user', 'list'], { env: { MFA_RADIUS_PROXY_CONFIG: file } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`config: ${file} (from $MFA_RADIUS_PROXY_CONFIG); data_dir: ${dataDir}`);
  });

  it('without either, the embedded default says so (and where its store is)', async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const r = await cli(['user', 'list'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('config: the embedded default');
    expect(r.stderr).toContain(`data_dir: ${join(cwd, 'data')}`);
  });
});

describe('user and token commands (items 11, 16)', () => {
  it('token add for a user the local store does not have: MFA_ERR_USER_NOT_FOUND; for one it has: the login key', async () => {
    const { file } = config(CLIENT);
    const missing = await cli(['token', 'add', 'bob', '--config', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^MFA_ERR_USER_NOT_FOUND: no local user 'bob'/m);
    registerSensitive('bob-password-1');
    expect(
      (await cli(['user', 'add', 'Bob', '--password-stdin', '--config', file], { stdin: 'bob-password-1\n' }))
        .code,
    ).toBe(0);
    const added = await cli(['token', 'add', ' BOB', '--config', file, '--no-qr']);
    expect(added.code).toBe(0);
    const list = JSON.parse((await cli(['token', 'list', '--json', '--config', file])).stdout) as Array<{
      identity: string;
    }>;
    expect(list.map((t) => t.identity)).toEqual(['bob']);
  });

  it('user remove of an unknown user prints MFA_ERR_USER_NOT_FOUND', async () => {
    const { file } = config(CLIENT);
    const r = await cli(['user', 'remove', 'nobody', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^MFA_ERR_USER_NOT_FOUND: no user named 'nobody'/m);
  });

  it('user add under an LDAP directory is refused unless --force', async () => {
    const { file } = config(`${LDAP()}${CLIENT}`);
    const r = await cli(['user', 'add', 'carol', '--password-stdin', '--config', file], {
      stdin: 'carol-pw-1\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^MFA_ERR_NOT_LOCAL_DIRECTORY: .*directory\.type is ldap/m);
    const list = JSON.parse((await cli(['user', 'list', '--json', '--config', file])).stdout) as unknown[];
    expect(list).toEqual([]);
    const forced = await cli(['user', 'add', 'carol', '--password-stdin', '--force', '--config', file], {
      stdin: 'carol-pw-1\n',
    });
    expect(forced.code).toBe(0);
  });

  it('user list shows the lockout and honours mfa.exempt_users; lockouts --json', async () => {
    const { file, dataDir } = config(`${CLIENT}mfa:\n  exempt_users: [Dave]\n`);
    for (const u of ['dave', 'erin'])
      expect(
        (await cli(['user', 'add', u, '--password-stdin', '--config', file], { stdin: `${u}-password\n` }))
          .code,
      ).toBe(0);
    const store = Store.open(dataDir);
    const lockout = new LockoutPolicy({
      repo: store.lockouts,
      clock: systemClock,
      options: { maxFailures: 5, windowSec: 300, lockSec: 900 },
    });
    for (let i = 0; i < 5; i++) lockout.registerFailure('erin');
    store.close();
    const rows = JSON.parse((await cli(['user', 'list', '--json', '--config', file])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(rows).toEqual([
      expect.objectContaining({ name: 'dave', mfa_exempt: true, exempt_by: 'config', locked_until: null }),
      expect.objectContaining({
        name: 'erin',
        mfa_exempt: false,
        locked_until: expect.stringMatching(/^\d{4}-/),
      }),
    ]);
    const table = (await cli(['user', 'list', '--config', file])).stdout;
    expect(table).toMatch(/^NAME .*LOCKED UNTIL$/m);
    expect(table).toMatch(/^dave +yes \(config\) /m);
    expect(table).toMatch(/^erin +no .* \d{4}-\d\d-\d\dT/m);
    const locked = await cli(['lockouts', '--json', '--config', file]);
    expect(JSON.parse(locked.stdout)).toEqual([
      { identity: 'erin', locked_until: expect.stringMatching(/^\d{4}-/), failures: 5 },
    ]);
  });
});

describe('output (item 16)', () => {
  it('token add piped: the URI, no ANSI colours or block art, and a note on stderr', async () => {
    const { file } = config(CLIENT);
    await cli(['user', 'add', 'fred', '--password-stdin', '--config', file], { stdin: 'fred-password\n' });
    const r = await cli(['token', 'add', 'fred', '--config', file]);
    expect(r.code).toBe(0);
    const uri = /otpauth:\/\/totp\/\S+/.exec(r.stdout)?.[0];
    registerSensitive(new URL(uri!).searchParams.get('secret')!);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).not.toMatch(/[█▀▄]/);
    expect(r.stderr).toContain('no QR code was drawn');
  });

  it('token add on a terminal draws the QR code', async () => {
    const { file } = config(CLIENT);
    await cli(['user', 'add', 'gina', '--password-stdin', '--config', file], { stdin: 'gina-password\n' });
    // script(1) gives the command a pseudo-terminal, as an admin's shell does.
    const { stdout } = await run(
      'script',
      ['-qec', `${process.execPath} ${CLI} token add gina --config ${file}`, '/dev/null'],
      {
        env: { ...process.env, MFA_RADIUS_PROXY_CONFIG: '' },
      },
    );
    const secret = /secret=([A-Z2-7]+)/.exec(stdout)?.[1];
    registerSensitive(secret);
    expect(stdout).toMatch(/[█▀▄]/);
  });

  it('a reader that closes the pipe early (| head) ends the command quietly', async () => {
    const { file } = config(CLIENT);
    await cli(['user', 'list', '--config', file]);
    const child = spawn(process.execPath, [CLI, 'user', 'list', '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});

describe('radtest --config (item 16)', () => {
  it('uses the secret of the client matching the address it sends from, not the first client', async () => {
    const p = await startProxy({
      configYaml: ({ port, secret, dataDir }) =>
        [
          'listen:',
          '  - address: 127.0.0.1',
          `    auth_port: ${port}`,
          `data_dir: ${dataDir}`,
          'clients:',
          '  - name: elsewhere',
          '    address: 10.0.0.0/8',
          '    secret: "another-secret-for-10-net"',
          '  - name: loopback',
          '    address: 127.0.0.0/8',
          `    secret: ${JSON.stringify(secret)}`,
          '',
        ].join('\n'),
    });
    try {
      registerSensitive('wrong-password-1');
      const r = await p.cli(
        ['radtest', 'nobody', '--password-stdin', '--timeout', '3'],
        'wrong-password-1\n',
      );
      expect(r.stderr).toContain('as client "loopback"');
      expect(r.stdout).toContain('Access-Reject');
      expect(r.code).toBe(1);
    } finally {
      await p.stop();
    }
  });
});
