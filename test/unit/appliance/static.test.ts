// Fast static checks of appliance/ (no image build, no root): shell syntax, the seed applier end to end into a
// temporary root, and the sandbox score of the proxy unit with the host's systemd-analyze (offline).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const APPLIANCE = join(import.meta.dirname, '../../../appliance');
const ROOTFS = join(APPLIANCE, 'rootfs');
const DEB_ROOT = join(import.meta.dirname, '../../../scripts/deb/root');
const tmp = mkdtempSync(join(tmpdir(), 'appliance-static-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function shellScripts(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'out' || name === 'work' || name === 'node_modules') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (
        readFileSync(p, 'utf8')
          .slice(0, 40)
          .match(/^#!\/(usr\/)?bin\/(env )?(ba)?sh/)
      )
        found.push(p);
    }
  };
  walk(APPLIANCE);
  return found;
}

describe('appliance static checks', () => {
  it('every shell script parses (bash -n)', () => {
    const scripts = shellScripts();
    expect(scripts.length).toBeGreaterThan(10);
    for (const s of scripts) {
      const r = spawnSync('bash', ['-n', s], { encoding: 'utf8' });
      expect(r.stderr, s).toBe('');
      expect(r.status, s).toBe(0);
    }
  });

  it('mfa-apply-seed writes the seed into a root directory', () => {
    const root = join(tmp, 'root');
    const seedPath = join(tmp, 'appliance.yaml');
    writeFileSync(
      seedPath,
      [
        'hostname: box1',
        'network: { mode: static, address: 192.0.2.10/24, gateway: 192.0.2.1 }',
        'proxy:',
        '  clients:',
        '    - { name: nas, address: 192.0.2.1, secret: generate }',
        'syslog: { host: 192.0.2.50 }',
      ].join('\n'),
    );
    const r = spawnSync(
      'node',
      [join(ROOTFS, 'usr/local/lib/mfa-appliance/apply-seed.mjs'), '--seed', seedPath, '--root', root],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/generated a RADIUS shared secret for client 'nas'/);
    const config = readFileSync(join(root, 'etc/mfa-radius-proxy/config.yaml'), 'utf8');
    expect(config).toMatch(/secret: [A-Za-z0-9_-]{32}\n/);
    expect(statSync(join(root, 'etc/mfa-radius-proxy/config.yaml')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(root, 'etc/hostname'), 'utf8')).toBe('box1\n');
    expect(readFileSync(join(root, 'etc/systemd/network/10-appliance.network'), 'utf8')).toContain(
      'Address=192.0.2.10/24',
    );
    expect(readFileSync(join(root, 'etc/nftables.d/10-appliance.nft'), 'utf8')).toContain(
      'radius_v4 { 192.0.2.1 }',
    );
    expect(readFileSync(join(root, 'etc/rsyslog.d/90-remote.conf'), 'utf8')).toContain('target="192.0.2.50"');
  });

  it('the shipped nftables ruleset loads with the elements mfa-apply-seed renders for the web surfaces (nft -c)', () => {
    const root = join(tmp, 'webroot');
    const seedPath = join(tmp, 'web.yaml');
    writeFileSync(
      seedPath,
      [
        'hostname: mfa.example.org',
        'web_allow_from: [10.9.0.0/16, 2001:db8:9::/48]',
        'portal_allow_from: [0.0.0.0/0, ::/0]',
        'proxy:',
        '  listen: [{ address: "::" }]',
        '  clients:',
        '    - { name: nas, address: 192.0.2.1, secret: a-long-shared-secret }',
      ].join('\n'),
    );
    const apply = join(ROOTFS, 'usr/local/lib/mfa-appliance/apply-seed.mjs');
    const r = spawnSync('node', [apply, '--seed', seedPath, '--root', root], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const config = readFileSync(join(root, 'etc/mfa-radius-proxy/config.yaml'), 'utf8');
    expect(config).toContain(
      'http:\n  listen:\n    - address: 0.0.0.0\n      port: 8443\n    - address: "::"\n',
    );
    expect(config).toContain('  public_url: https://mfa.example.org:8443\n');
    const elements = readFileSync(join(root, 'etc/nftables.d/10-appliance.nft'), 'utf8');
    expect(elements).toContain('add element inet appliance portal_ports { 8443 }');
    expect(elements).toContain('add element inet appliance admin_ports { 8444 }');
    expect(elements).toContain('add element inet appliance portal_v6 { ::/0 }');
    // mfa-apply-seed --firewall re-renders the same elements from config.yaml and management.json
    const fw = spawnSync('node', [apply, '--firewall', '--root', root], { encoding: 'utf8' });
    expect(fw.status, fw.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc/nftables.d/10-appliance.nft'), 'utf8')).toBe(elements);
    // nft checks the ruleset against the kernel (a dry run) in a namespace of its own: nothing is loaded here
    const conf = join(tmp, 'nftables-web.conf');
    writeFileSync(
      conf,
      readFileSync(join(ROOTFS, 'etc/nftables.conf'), 'utf8').replace(
        'include "/etc/nftables.d/*.nft"',
        `include "${join(root, 'etc/nftables.d')}/*.nft"`,
      ),
    );
    const nft = spawnSync('unshare', ['-rn', 'nft', '-c', '-f', conf], { encoding: 'utf8' });
    expect(nft.stderr).toBe('');
    expect(nft.status).toBe(0);
    // and a broken element is caught, so the check above is not vacuous
    writeFileSync(
      join(root, 'etc/nftables.d/20-broken.nft'),
      'add element inet appliance admin_ports { 8444x }\n',
    );
    const broken = spawnSync('unshare', ['-rn', 'nft', '-c', '-f', conf], { encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/20-broken\.nft/);
  });

  it('mfa-apply-seed rejects a bad seed with exit code 2 and names the key', () => {
    const seedPath = join(tmp, 'bad.yaml');
    writeFileSync(seedPath, 'proxy:\n  clients:\n    - { name: nas, address: not-an-ip }\n');
    const r = spawnSync(
      'node',
      [
        join(ROOTFS, 'usr/local/lib/mfa-appliance/apply-seed.mjs'),
        '--seed',
        seedPath,
        '--root',
        join(tmp, 'bad'),
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/proxy.clients\[0\].address/);
  });

  it('the packaged proxy unit with the appliance drop-ins scores <= 2.5 in systemd-analyze security (offline)', () => {
    // The unit comes from the Debian package (scripts/deb); the appliance adds only drop-ins (jitless + order).
    const root = join(tmp, 'unitroot');
    const lib = join(root, 'usr/lib/systemd/system');
    const dropins = join(root, 'etc/systemd/system/mfa-radius-proxy.service.d');
    mkdirSync(lib, { recursive: true });
    mkdirSync(dropins, { recursive: true });
    copyFileSync(
      join(DEB_ROOT, 'usr/lib/systemd/system/mfa-radius-proxy.service'),
      join(lib, 'mfa-radius-proxy.service'),
    );
    const applianceDropins = readdirSync(join(ROOTFS, 'etc/systemd/system/mfa-radius-proxy.service.d'));
    expect(applianceDropins.sort()).toEqual(['10-jitless.conf', '20-appliance.conf']);
    for (const f of applianceDropins)
      copyFileSync(join(ROOTFS, 'etc/systemd/system/mfa-radius-proxy.service.d', f), join(dropins, f));
    expect(existsSync(join(ROOTFS, 'etc/systemd/system/mfa-radius-proxy.service'))).toBe(false);
    const out = execFileSync(
      'systemd-analyze',
      ['security', '--offline=yes', `--root=${root}`, '--no-pager', 'mfa-radius-proxy.service'],
      {
        encoding: 'utf8',
      },
    );
    const score = Number(/Overall exposure level for mfa-radius-proxy\.service: ([0-9.]+)/.exec(out)?.[1]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(2.5);
  });

  it('sshd policy is key-only with no root login, the firewall drops by default', () => {
    const sshd = readFileSync(join(ROOTFS, 'etc/ssh/sshd_config.d/50-appliance.conf'), 'utf8');
    for (const line of [
      'PermitRootLogin no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AuthenticationMethods publickey',
    ]) {
      expect(sshd.split('\n')).toContain(line);
    }
    const nft = readFileSync(join(ROOTFS, 'etc/nftables.conf'), 'utf8');
    expect(nft).toMatch(/hook input priority filter; policy drop;/);
    expect(nft).toMatch(/hook forward priority filter; policy drop;/);
  });
});
