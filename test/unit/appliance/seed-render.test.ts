import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  firewallFromConfig,
  parseCidr,
  renderAll,
  renderNetwork,
  SeedError,
  validateSeed,
} from '../../../appliance/rootfs/usr/local/lib/mfa-appliance/seed-render.mjs';

const APPLIANCE = join(import.meta.dirname, '../../../appliance');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx4dGVzdGtleXRlc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3Q admin@test';
const deps = {
  stringifyYaml: (v: unknown) => YAML.stringify(v),
  randomSecret: () => 'generated-secret-0123456789',
};

function seed(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hostname: 'mfa-1.example.org',
    admin: { ssh_authorized_keys: [KEY] },
    proxy: { clients: [{ name: 'vpn', address: '10.0.0.0/8', secret: 'a-long-shared-secret' }] },
    ...extra,
  };
}
const file = (r: ReturnType<typeof renderAll>, path: string) => r.files.find((f) => f.path === path);

describe('appliance first-boot seed', () => {
  it('renders the shipped example seed: proxy config with a generated secret, firewall, DHCP network', () => {
    const raw = YAML.parse(readFileSync(join(APPLIANCE, 'appliance.example.yaml'), 'utf8'));
    const r = renderAll(raw, deps);
    expect(r.generatedSecrets).toEqual(['vpn']);
    const config = YAML.parse(file(r, '/etc/mfa-radius-proxy/config.yaml')?.content ?? '');
    expect(config.clients[0]).toMatchObject({
      name: 'vpn',
      address: '192.0.2.0/24',
      secret: deps.randomSecret(),
    });
    expect(config.data_dir).toBe('/var/lib/mfa-radius-proxy');
    expect(file(r, '/etc/mfa-radius-proxy/config.yaml')).toMatchObject({
      mode: 0o640,
      group: 'mfa-radius-proxy',
    });
    const fw = file(r, '/etc/nftables.d/10-appliance.nft')?.content ?? '';
    expect(fw).toContain('add element inet appliance radius_ports { 1812 }');
    expect(fw).toContain('add element inet appliance radius_v4 { 192.0.2.0/24 }');
    expect(fw).toContain('add element inet appliance ssh_v4 { 0.0.0.0/0 }');
    expect(fw).toContain('add element inet appliance ssh_v6 { ::/0 }');
    expect(file(r, '/etc/systemd/network/10-appliance.network')?.content).toContain('DHCP=yes');
    expect(file(r, '/etc/hostname')?.content).toBe('mfa-proxy-1\n');
  });

  it('keeps given secrets, fills listen/directory defaults and splits IPv4/IPv6 clients', () => {
    const r = renderAll(
      seed({
        proxy: {
          clients: [
            { name: 'v4', address: '10.1.2.3', secret: 'a-long-shared-secret' },
            { name: 'v6', address: '2001:db8::/64', secret: 'generate' },
          ],
        },
        ssh_allow_from: ['192.0.2.0/24'],
      }),
      deps,
    );
    expect(r.generatedSecrets).toEqual(['v6']);
    const config = YAML.parse(file(r, '/etc/mfa-radius-proxy/config.yaml')?.content ?? '');
    expect(config.listen).toEqual([{ address: '0.0.0.0', auth_port: 1812 }]);
    expect(config.directory).toEqual({ type: 'local' });
    expect(config.clients[0].secret).toBe('a-long-shared-secret');
    const fw = file(r, '/etc/nftables.d/10-appliance.nft')?.content ?? '';
    expect(fw).toContain('radius_v4 { 10.1.2.3 }');
    expect(fw).toContain('radius_v6 { 2001:db8::/64 }');
    expect(fw).toContain('ssh_v4 { 192.0.2.0/24 }');
    expect(fw).not.toContain('ssh_v6');
    // the web port follows the SSH management networks unless set on its own
    expect(fw).toContain('web_v4 { 192.0.2.0/24 }');
  });

  it('renders a static network', () => {
    const s = validateSeed(
      seed({
        network: {
          mode: 'static',
          interface: 'eth0',
          address: '192.0.2.10/24',
          gateway: '192.0.2.1',
          dns: ['192.0.2.53'],
        },
      }),
    );
    expect(renderNetwork(s.network)).toBe(
      '# Generated from the first-boot seed (mfa-apply-seed).\n[Match]\nName=eth0\n\n[Network]\nAddress=192.0.2.10/24\nGateway=192.0.2.1\nDNS=192.0.2.53\nLLDP=no\nEmitLLDP=no\n',
    );
  });

  it.each([
    ['hostname', { hostname: 'bad_host!' }, /hostname/],
    ['admin user root', { admin: { user: 'root', ssh_authorized_keys: [KEY] } }, /admin.user/],
    ['ssh key', { admin: { ssh_authorized_keys: ['not a key'] } }, /ssh_authorized_keys\[0\]/],
    ['data_dir', { proxy: { data_dir: '/srv/data', clients: [] } }, /data_dir/],
    [
      'client address',
      { proxy: { clients: [{ name: 'x', address: '10.0.0.300' }] } },
      /clients\[0\].address/,
    ],
    [
      'duplicate client',
      {
        proxy: {
          clients: [
            { name: 'x', address: '10.0.0.1' },
            { name: 'x', address: '10.0.0.2' },
          ],
        },
      },
      /duplicate/,
    ],
    ['static without prefix', { network: { mode: 'static', address: '192.0.2.10' } }, /prefix length/],
    ['time_sync_wait', { time_sync_wait: -1 }, /time_sync_wait/],
    ['syslog protocol', { syslog: { host: '192.0.2.1', protocol: 'http' } }, /syslog.protocol/],
  ])('rejects a bad %s with a message naming the key', (_name, extra, message) => {
    expect(() => validateSeed(seed(extra))).toThrow(SeedError);
    expect(() => validateSeed(seed(extra))).toThrow(message);
  });

  it('warns (but applies) when nobody could log in or a secret is short', () => {
    const s = validateSeed({ proxy: { clients: [{ name: 'x', address: '10.0.0.1', secret: 'short' }] } });
    expect(s.warnings.join('\n')).toMatch(/ssh_authorized_keys is empty/);
    expect(s.warnings.join('\n')).toMatch(/shorter than 16/);
  });

  it('parses CIDRs of both families and rejects bad prefixes', () => {
    expect(parseCidr('10.0.0.0/8', 'x')).toEqual({ family: 4, text: '10.0.0.0/8' });
    expect(parseCidr('::1', 'x')).toEqual({ family: 6, text: '::1' });
    expect(() => parseCidr('10.0.0.0/33', 'x')).toThrow(/prefix/);
  });

  it('re-renders the firewall from an edited config.yaml (accounting port, stored management networks)', () => {
    const fw = firewallFromConfig(
      {
        listen: [{ address: '::', auth_port: 1812, acct_port: 1813 }],
        clients: [{ name: 'n', address: '192.0.2.7' }],
      },
      { ssh_allow_from: ['198.51.100.0/24'], web_allow_from: ['198.51.100.9'] },
    );
    expect(fw).toContain('radius_ports { 1812, 1813 }');
    expect(fw).toContain('radius_v4 { 192.0.2.7 }');
    expect(fw).toContain('ssh_v4 { 198.51.100.0/24 }');
    expect(fw).toContain('web_v4 { 198.51.100.9 }');
  });
});
