// The Debian package end to end: build the .deb (scripts/deb/build-deb.sh), install it with dpkg into a fresh
// Debian 13 root (mmdebstrap, cached), check what it installed, boot the root with systemd-nspawn and let
// systemd run the packaged, hardened unit: radclient on the host sends Status-Server and a login to 127.0.0.1,
// `systemctl reload` re-reads the config, `systemctl stop` stops it; then remove and purge.
// Needs root (mmdebstrap --mode=root, chroot, systemd-nspawn): `npm test` runs as root here and in CI.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oathCode } from '../../helpers/oathtool.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { logFile, registerSensitive } from '../../helpers/sensitive.js';
import { baseRoot, copyRoot, dependsNames, inRoot } from './deb-root.js';
import { Container } from './nspawn.js';

const REPO = resolve(import.meta.dirname, '../../..');
const SVC = 'mfa-radius-proxy';
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const MIN = 60_000;

function requireHost(): void {
  if (process.getuid?.() !== 0)
    throw new Error('the Debian package test needs root (mmdebstrap --mode=root, chroot, systemd-nspawn)');
  for (const cmd of ['mmdebstrap', 'systemd-nspawn', 'nsenter', 'dpkg-deb', 'radclient']) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
      throw new Error(`${cmd} is missing: run scripts/ensure-system-deps.sh as root (npm test does)`);
  }
}

/** uid and gid of a user of the root, from its /etc/passwd. */
function account(root: string, name: string) {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid, , home, shell] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), home, shell };
}

/** Sends Status-Server until the proxy answers (it is booting or restarting) or `ms` have passed. */
async function statusUntilAnswered(server: string, secret: string, ms: number) {
  const t0 = Date.now();
  const ask = () => radclient({ server, secret, attrs: {}, command: 'status', timeoutSec: 1, retries: 1 });
  let r = await ask();
  // Each try waits for radclient's own 1 s timeout: no sleeping.
  while (r.code === 'timeout' && Date.now() - t0 < ms) r = await ask();
  return r;
}

function mode(path: string): { mode: number; uid: number; gid: number } {
  const s = statSync(path);
  return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
}

describe('Debian package: build, install into a fresh trixie root, run under systemd', () => {
  const work = mkdtempSync(join(tmpdir(), 'mfa-deb-test-'));
  let deb = '';
  let root = '';
  let container: Container | undefined;
  const timings: string[] = [];
  let server = '';
  let secret = '';
  const timed = <T>(what: string, f: () => T): T => {
    const t0 = Date.now();
    const r = f();
    timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };

  beforeAll(() => {
    requireHost();
    // The compiled native module is cached across runs beside the root (keyed by its inputs).
    const built = timed('build-deb', () =>
      spawnSync('bash', [join(REPO, 'scripts/deb/build-deb.sh'), '--no-build', '--out', work], {
        encoding: 'utf8',
        env: { ...process.env, MFA_DEB_WORK: join(tmpdir(), 'mfa-radius-proxy-deb-work') },
        maxBuffer: 64 << 20,
      }),
    );
    if (built.status !== 0) throw new Error(`build-deb.sh failed:\n${built.stderr.slice(-3000)}`);
    deb = built.stdout.trim().split('\n').at(-1) ?? '';
    const depends = execFileSync('dpkg-deb', ['-f', deb, 'Depends'], { encoding: 'utf8' });
    const base = timed('base root', () => baseRoot(dependsNames(depends)));
    timings.push(base.built ? '(base root built now)' : '(base root from cache)');
    root = timed('copy root', () => copyRoot(base.dir, work));
  }, 15 * MIN);

  afterAll(async () => {
    await container?.stop();
    process.stdout.write(`deb package test: ${timings.join(', ')}\n`);
    rmSync(work, { recursive: true, force: true });
  }, 2 * MIN);

  it('the package: version from package.json, architecture, Depends on Node 20, the conffile', () => {
    const f = (field: string) => execFileSync('dpkg-deb', ['-f', deb, field], { encoding: 'utf8' }).trim();
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(f('Package')).toBe(SVC);
    expect(f('Version')).toBe(pkg.version.replace('-', '~'));
    expect(f('Architecture')).toBe(
      execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim(),
    );
    expect(f('Depends')).toMatch(
      /^nodejs \(>= 20\.19\), nodejs \(<< 21\), libc6 \(>= 2\.\d+\), libstdc\+\+6, passwd, procps$/,
    );
    const listing = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 << 20 }).split(
      '\n',
    );
    const entries = (re: RegExp) =>
      listing.filter((l) => re.test(l)).map((l) => l.replace(/^(\S+ \S+).* \.\//, '$1 '));
    expect(entries(/ \.\/usr\/bin\/mfa-radius-proxy$/)).toEqual([
      '-rwxr-xr-x root/root usr/bin/mfa-radius-proxy',
    ]);
    expect(entries(/ \.\/etc\/mfa-radius-proxy\/config\.yaml$/)).toEqual([
      '-rw-r----- root/root etc/mfa-radius-proxy/config.yaml',
    ]);
    expect(entries(/\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/)).toHaveLength(1);
    // Only the loadable module of better-sqlite3 (no C sources, objects) and no source maps of the app.
    expect(
      entries(/better-sqlite3\/(deps|src|build\/Release\/obj)|mfa-radius-proxy\/dist\/.*\.map$/),
    ).toEqual([]);
  });

  it('dpkg -i installs it: user, directories, owners and modes; nothing started or enabled', () => {
    copyFileSync(deb, join(root, 'var/tmp/pkg.deb'));
    const r = timed('dpkg -i', () => inRoot(root, ['dpkg', '-i', '/var/tmp/pkg.deb']));
    expect(r.status, r.out).toBe(0);
    expect(r.stderr).toContain('systemctl enable --now mfa-radius-proxy');
    const user = account(root, SVC);
    expect(user).toMatchObject({ home: '/var/lib/mfa-radius-proxy', shell: '/usr/sbin/nologin' });
    expect(user!.uid).toBeLessThan(1000);
    expect(mode(join(root, 'etc/mfa-radius-proxy'))).toEqual({ mode: 0o750, uid: 0, gid: user!.gid });
    expect(mode(join(root, 'etc/mfa-radius-proxy/config.yaml'))).toEqual({
      mode: 0o640,
      uid: 0,
      gid: user!.gid,
    });
    expect(mode(join(root, 'var/lib/mfa-radius-proxy'))).toEqual({
      mode: 0o700,
      uid: user!.uid,
      gid: user!.gid,
    });
    expect(mode(join(root, 'usr/bin/mfa-radius-proxy'))).toEqual({ mode: 0o755, uid: 0, gid: 0 });
    expect(inRoot(root, ['dpkg-query', '-s', SVC]).stdout).toMatch(
      /^Conffiles:\n \/etc\/mfa-radius-proxy\/config\.yaml [0-9a-f]{32}$/m,
    );
    expect(
      existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/mfa-radius-proxy.service')),
    ).toBe(false);
    // The root's own Node (Debian's nodejs) loads the bundled native module.
    const load = inRoot(root, [
      'node',
      '-e',
      "const D=require('/usr/lib/mfa-radius-proxy/node_modules/better-sqlite3'); console.log(new D(':memory:').prepare('select 1 a').get().a)",
    ]);
    expect(load.stdout.trim(), load.out).toBe('1');
  });

  it('the unit passes systemd-analyze verify and scores <= 2.0 in systemd-analyze security (trixie systemd)', () => {
    const unit = readFileSync(join(root, 'usr/lib/systemd/system/mfa-radius-proxy.service'), 'utf8');
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /usr/lib/mfa-radius-proxy/dist/cli/main.js serve --config /etc/mfa-radius-proxy/config.yaml',
    );
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID');
    const v = inRoot(root, ['systemd-analyze', 'verify', '--man=no', 'mfa-radius-proxy.service']);
    expect(v.status, v.out).toBe(0);
    const s = inRoot(root, [
      'systemd-analyze',
      'security',
      '--offline=yes',
      '--no-pager',
      'mfa-radius-proxy.service',
    ]);
    const score = Number(/Overall exposure level for mfa-radius-proxy\.service: ([0-9.]+)/.exec(s.out)?.[1]);
    timings.push(`exposure ${score}`);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(2.0);
  });

  it('the shipped example config.yaml is refused, naming the missing clients key', () => {
    const r = inRoot(root, ['mfa-radius-proxy', 'check-config']);
    expect(r.status, r.out).toBe(2);
    expect(r.stderr).toMatch(/\/etc\/mfa-radius-proxy\/config\.yaml:\d+: clients: missing/);
  });

  it(
    'under systemd in the root: the CLI enrols a user, Status-Server and a login get Access-Accept, reload, stop',
    async () => {
      const port = await freeUdpPort();
      secret = randomBytes(18).toString('base64url');
      const password = `pw-${randomBytes(6).toString('hex')}`;
      registerSensitive(secret, password, SEED);
      writeFileSync(
        join(root, 'etc/mfa-radius-proxy/config.yaml'),
        [
          'listen:',
          `  - { address: 127.0.0.1, auth_port: ${port} }`,
          'data_dir: /var/lib/mfa-radius-proxy',
          'clients:',
          `  - { name: localhost, address: 127.0.0.1, secret: "${secret}", mfa_mode: concat }`,
          '',
        ].join('\n'),
      );
      // The CLI on the PATH, as root: it acts as the service user, so the database it makes is the service's.
      expect(inRoot(root, ['mfa-radius-proxy', 'check-config']).status).toBe(0);
      const add = inRoot(
        root,
        ['mfa-radius-proxy', 'user', 'add', 'alice', '--password-stdin'],
        `${password}\n`,
      );
      expect(add.status, add.out).toBe(0);
      const tok = inRoot(root, ['mfa-radius-proxy', 'token', 'add', 'alice', '--secret', SEED]);
      expect(tok.status, tok.out).toBe(0);
      const user = account(root, SVC)!;
      expect(mode(join(root, 'var/lib/mfa-radius-proxy/mfa.db')).uid).toBe(user.uid);
      expect(mode(join(root, 'var/lib/mfa-radius-proxy/secret.key'))).toMatchObject({
        mode: 0o600,
        uid: user.uid,
      });

      expect(inRoot(root, ['systemctl', 'enable', 'mfa-radius-proxy.service']).status).toBe(0);
      const t0 = Date.now();
      container = Container.boot(root);
      server = `127.0.0.1:${port}`;
      let status = await statusUntilAnswered(server, secret, 2 * MIN);
      timings.push(`boot to Status-Server answered ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(status.code, container.console().slice(-3000)).toBe('Access-Accept');
      expect(container.exec(['systemctl', 'is-active', 'mfa-radius-proxy.service']).stdout.trim()).toBe(
        'active',
      );
      // The service runs as its user (the unit's User=), with the unit's ExecStart.
      const main = container.exec([
        'systemctl',
        'show',
        '-p',
        'MainPID',
        '--value',
        'mfa-radius-proxy.service',
      ]);
      const ps = container.exec(['ps', '-o', 'user:20=,args=', '-p', main.stdout.trim()]);
      expect(ps.stdout).toMatch(
        /^mfa-radius-proxy +\/usr\/bin\/node \/usr\/lib\/mfa-radius-proxy\/dist\/cli\/main\.js serve/,
      );

      const login = await radclient({
        server,
        secret,
        attrs: { 'User-Name': 'alice', 'User-Password': quote(password + oathCode(SEED)) },
      });
      expect(login.code).toBe('Access-Accept');

      // systemctl reload = SIGHUP (ExecReload): the new config (a second client) is live without a restart.
      const cfg = join(root, 'etc/mfa-radius-proxy/config.yaml');
      writeFileSync(
        cfg,
        `${readFileSync(cfg, 'utf8')}  - { name: other, address: 127.0.0.2, secret: "${secret}" }\n`,
      );
      const reload = container.exec(['systemctl', 'reload', 'mfa-radius-proxy.service']);
      expect(reload.status, reload.out).toBe(0);
      let journal = '';
      for (let i = 0; i < 50 && !journal.includes('"event":"reloaded"'); i++) {
        journal = container.exec([
          'journalctl',
          '-u',
          'mfa-radius-proxy.service',
          '-o',
          'cat',
          '--no-pager',
        ]).stdout;
        if (!journal.includes('"event":"reloaded"')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(journal).toMatch(/"event":"reloaded","clients":\["localhost","other"\]/);
      expect(
        container.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'mfa-radius-proxy.service']).stdout,
      ).toBe(main.stdout);
      status = await radclient({ server, secret, attrs: {}, command: 'status' });
      expect(status.code).toBe('Access-Accept');

      const stop = container.exec(['systemctl', 'stop', 'mfa-radius-proxy.service']);
      expect(stop.status, stop.out).toBe(0);
      const after = container.exec([
        'systemctl',
        'show',
        '-p',
        'ActiveState,Result',
        'mfa-radius-proxy.service',
      ]);
      expect(after.stdout.split('\n').sort()).toEqual(['', 'ActiveState=inactive', 'Result=success']);
      writeFileSync(
        logFile('deb-journal'),
        container.exec(['journalctl', '-u', 'mfa-radius-proxy.service', '-o', 'cat', '--no-pager']).stdout,
      );
      expect(await container.stop()).toBe(0);
      container = undefined;
    },
    4 * MIN,
  );

  it(
    "the appliance's mfa-update-app: checks a package, installs it, keeps the previous one for --rollback",
    async () => {
      const tool = join(root, 'usr/local/sbin/mfa-update-app');
      copyFileSync(join(REPO, 'appliance/rootfs/usr/local/sbin/mfa-update-app'), tool);
      chmodSync(tool, 0o755);
      container = Container.boot(root);
      expect((await statusUntilAnswered(server, secret, 2 * MIN)).code).toBe('Access-Accept');
      const update = (...args: string[]) => container!.exec(['mfa-update-app', ...args]);

      const notPkg = update('/etc/hostname');
      expect(notPkg.status).toBe(1);
      expect(notPkg.stderr).toContain('is not a mfa-radius-proxy package');
      // A config the package's own check-config rejects: nothing is installed, the proxy keeps running.
      const cfg = join(root, 'etc/mfa-radius-proxy/config.yaml');
      const good = readFileSync(cfg, 'utf8');
      writeFileSync(cfg, `${good}bogus_key: 1\n`);
      const refused = update('/var/tmp/pkg.deb');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('the new version rejects the current config.yaml');
      expect(refused.stderr).toContain('bogus_key');
      writeFileSync(cfg, good);

      const first = update('/var/tmp/pkg.deb');
      expect(first.status, first.out).toBe(0);
      expect(first.stdout).toContain('mfa-update-app: installed 0.');
      expect(readFileSync(cfg, 'utf8')).toBe(good);
      expect(update('--rollback').stderr).toContain('nothing to roll back to');
      expect(update('/var/tmp/pkg.deb').status).toBe(0);
      const back = update('--rollback');
      expect(back.status, back.out).toBe(0);
      expect(back.stdout).toContain('rolled back to');
      expect(existsSync(join(root, 'var/lib/mfa-appliance/packages/previous.deb'))).toBe(true);
      expect((await statusUntilAnswered(server, secret, MIN)).code).toBe('Access-Accept');
      expect(container.exec(['systemctl', 'is-active', 'mfa-radius-proxy.service']).stdout.trim()).toBe(
        'active',
      );
      expect(await container.stop()).toBe(0);
      container = undefined;
    },
    4 * MIN,
  );

  it('dpkg -r keeps config and data; dpkg -P removes them and keeps the system user', () => {
    const rm = inRoot(root, ['dpkg', '-r', SVC]);
    expect(rm.status, rm.out).toBe(0);
    expect(existsSync(join(root, 'usr/lib/systemd/system/mfa-radius-proxy.service'))).toBe(false);
    expect(existsSync(join(root, 'usr/lib/mfa-radius-proxy'))).toBe(false);
    expect(
      existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/mfa-radius-proxy.service')),
    ).toBe(false);
    expect(existsSync(join(root, 'etc/mfa-radius-proxy/config.yaml'))).toBe(true);
    expect(existsSync(join(root, 'var/lib/mfa-radius-proxy/mfa.db'))).toBe(true);
    const purge = inRoot(root, ['dpkg', '-P', SVC]);
    expect(purge.status, purge.out).toBe(0);
    expect(existsSync(join(root, 'etc/mfa-radius-proxy'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/mfa-radius-proxy'))).toBe(false);
    expect(account(root, SVC)).toBeDefined();
  });
});
