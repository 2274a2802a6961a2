// A fresh Debian 13 (trixie) root for installing the package into: mmdebstrap once per package list, cached
// under os.tmpdir() (a cold build downloads ~60 MB from the Debian mirror), copied for every run.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUITE = 'trixie';
const MIRROR = process.env.APPLIANCE_MIRROR ?? 'http://deb.debian.org/debian';
const MMDEBSTRAP_OPTS = [
  '--mode=root',
  '--variant=minbase',
  '--aptopt=APT::Install-Recommends "false"',
  '--dpkgopt=path-exclude=/usr/share/man/*',
  '--dpkgopt=path-exclude=/usr/share/locale/*',
  '--dpkgopt=path-exclude=/usr/share/doc/*',
];

/** The package names in a Depends field, without versions or alternatives' operators. */
export function dependsNames(depends: string): string[] {
  return depends
    .split(',')
    .flatMap((alt) => alt.split('|'))
    .map((d) => d.trim().replace(/\s*\(.*\)$/, ''))
    .filter(Boolean);
}

/**
 * The cached base root with `packages` installed (plus systemd, to boot it with systemd-nspawn).
 * Returns its path and whether it was built now; the key changes with the list, the suite or the mirror.
 */
export function baseRoot(packages: readonly string[]): { dir: string; built: boolean } {
  const list = [...new Set([...packages, 'systemd'])].sort();
  const key = createHash('sha256')
    .update(JSON.stringify([SUITE, MIRROR, list, MMDEBSTRAP_OPTS]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `mfa-radius-proxy-deb-root-${key}`);
  if (existsSync(join(dir, '.complete'))) return { dir, built: false };
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const r = spawnSync(
    'mmdebstrap',
    [...MMDEBSTRAP_OPTS, `--include=${list.join(',')}`, SUITE, building, MIRROR],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`mmdebstrap of the ${SUITE} test root failed:\n${(r.stderr ?? '').slice(-3000)}`);
  }
  // Nothing in the booted test root may reach out: no apt timers (the container shares the host's network).
  execFileSync('chroot', [building, 'systemctl', 'mask', 'apt-daily.timer', 'apt-daily-upgrade.timer'], {
    stdio: 'ignore',
  });
  writeFileSync(join(building, '.complete'), `${list.join(' ')}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return { dir, built: true };
}

/** A private copy of the base root (the package gets installed into it), under `parent`. */
export function copyRoot(base: string, parent: string): string {
  mkdirSync(parent, { recursive: true });
  const dir = join(parent, 'root');
  execFileSync('cp', ['-a', base, dir]);
  return dir;
}

/** Runs a command chrooted into `root` with a clean environment; returns status and output. */
export function inRoot(root: string, args: readonly string[], input?: string) {
  const r = spawnSync(
    'chroot',
    [root, '/usr/bin/env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C.UTF-8', ...args],
    { encoding: 'utf8', input, maxBuffer: 16 << 20 },
  );
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', out: `${r.stdout}${r.stderr}` };
}
