import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
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

// Issue 11: the proxy's two HTTPS surfaces on the appliance. The portal (http.listen, 8443) may face the
// internet; the admin surface (http.admin_listen, 8444) stays on the management networks.
describe('appliance seed: the web surfaces (http: section, portal and admin firewall)', () => {
  const configOf = (r: ReturnType<typeof renderAll>) =>
    YAML.parse(file(r, '/etc/mfa-radius-proxy/config.yaml')?.content ?? '');
  const firewallOf = (r: ReturnType<typeof renderAll>) =>
    file(r, '/etc/nftables.d/10-appliance.nft')?.content ?? '';
  const elements = (fw: string, set: string) =>
    new RegExp(`^add element inet appliance ${set} \\{ (.*) \\}$`, 'm').exec(fw)?.[1] ?? null;

  it('renders an http: section by default: portal on 8443, admin on 8444, self-signed, public_url from the host name', () => {
    const r = renderAll(seed({ web_allow_from: ['192.0.2.0/24'] }), deps);
    expect(configOf(r).http).toEqual({
      listen: [{ address: '0.0.0.0', port: 8443 }],
      admin_listen: [{ address: '0.0.0.0', port: 8444 }],
      public_url: 'https://mfa-1.example.org:8443',
    });
    const fw = firewallOf(r);
    expect(elements(fw, 'portal_ports')).toBe('8443');
    expect(elements(fw, 'admin_ports')).toBe('8444');
    expect(elements(fw, 'web_v4')).toBe('192.0.2.0/24');
    // the portal is open to the management networks only, unless portal_allow_from says more
    expect(elements(fw, 'portal_v4')).toBeNull();
    expect(elements(fw, 'portal_v6')).toBeNull();
    expect(JSON.parse(file(r, '/etc/mfa-appliance/management.json')?.content ?? '')).toEqual({
      ssh_allow_from: ['0.0.0.0/0', '::/0'],
      web_allow_from: ['192.0.2.0/24'],
      portal_allow_from: [],
    });
    expect(r.warnings).toEqual([]);
  });

  it.each([
    [
      'public_url and certificate files',
      {
        public_url: 'https://mfa.example.org/',
        https_cert_file: '/etc/mfa-radius-proxy/https.pem',
        https_key_file: '/etc/mfa-radius-proxy/https.key',
      },
      {
        public_url: 'https://mfa.example.org',
        cert_file: '/etc/mfa-radius-proxy/https.pem',
        key_file: '/etc/mfa-radius-proxy/https.key',
      },
      ['0.0.0.0'],
    ],
    [
      'RADIUS on IPv6',
      { proxy: { listen: [{ address: '::' }], clients: [] } },
      { public_url: 'https://mfa-1.example.org:8443' },
      ['0.0.0.0', '::'],
    ],
    [
      'a static IPv6 address',
      { network: { mode: 'static', address: '2001:db8::10/64' } },
      { public_url: 'https://mfa-1.example.org:8443' },
      ['0.0.0.0', '::'],
    ],
    [
      'IPv6 management networks',
      { web_allow_from: ['2001:db8:1::/48'] },
      { public_url: 'https://mfa-1.example.org:8443' },
      ['0.0.0.0', '::'],
    ],
    [
      'the portal on the internet',
      { portal_allow_from: ['0.0.0.0/0', '::/0'] },
      { public_url: 'https://mfa-1.example.org:8443' },
      ['0.0.0.0', '::'],
    ],
  ])('explicit keys: %s', (_name, extra, httpFields, addresses) => {
    const http = configOf(renderAll(seed(extra), deps)).http;
    expect(http).toEqual({
      listen: addresses.map((address) => ({ address, port: 8443 })),
      admin_listen: addresses.map((address) => ({ address, port: 8444 })),
      ...httpFields,
    });
  });

  it('portal_allow_from opens only the portal port; the admin port stays on the management networks', () => {
    const r = renderAll(
      seed({ web_allow_from: ['192.0.2.0/24', '2001:db8:1::/48'], portal_allow_from: ['0.0.0.0/0', '::/0'] }),
      deps,
    );
    const fw = firewallOf(r);
    expect(elements(fw, 'portal_v4')).toBe('0.0.0.0/0');
    expect(elements(fw, 'portal_v6')).toBe('::/0');
    expect(elements(fw, 'web_v4')).toBe('192.0.2.0/24');
    expect(elements(fw, 'web_v6')).toBe('2001:db8:1::/48');
    expect(elements(fw, 'admin_ports')).toBe('8444');
    // and the static ruleset never lets portal_* reach the admin ports
    const rules = readFileSync(join(APPLIANCE, 'rootfs/etc/nftables.conf'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('dport @admin_ports'));
    expect(rules.map((l) => l.trim())).toEqual([
      'tcp dport @admin_ports ip saddr @web_v4 accept',
      'tcp dport @admin_ports ip6 saddr @web_v6 accept',
    ]);
  });

  it('warns: no public_url without a host name, a short host name, management networks left at "anywhere"', () => {
    const none = validateSeed(seed({ hostname: undefined, web_allow_from: ['192.0.2.0/24'] }));
    expect(none.proxy?.http?.public_url).toBeUndefined();
    expect(none.warnings).toEqual([
      'no public_url and no hostname: links and QR codes cannot name the portal; set public_url',
    ]);
    const short = validateSeed(seed({ hostname: 'mfa1', web_allow_from: ['192.0.2.0/24'] }));
    expect(short.proxy?.http?.public_url).toBe('https://mfa1:8443');
    expect(short.warnings.join('\n')).toMatch(/derived from the short host name/);
    const anywhere = validateSeed(seed());
    expect(anywhere.warnings.join('\n')).toMatch(
      /web_allow_from is anywhere \(it follows ssh_allow_from\): the admin pages and \/metrics/,
    );
  });

  it.each([
    [
      'portal_allow_from prefix',
      { portal_allow_from: ['10.0.0.0/33'] },
      /^portal_allow_from\[0\]: bad prefix/,
    ],
    [
      'portal_allow_from name',
      { portal_allow_from: ['192.0.2.0/24', 'vpn.example.org'] },
      /^portal_allow_from\[1\]:/,
    ],
    ['portal_allow_from type', { portal_allow_from: [42] }, /^portal_allow_from: expected strings/],
    ['web_allow_from', { web_allow_from: ['10.0.0.0/8/8'] }, /^web_allow_from\[0\]:/],
    [
      'public_url scheme',
      { public_url: 'http://mfa.example.org' },
      /^public_url: expected the https:\/\/ URL/,
    ],
    ['public_url query', { public_url: 'https://mfa.example.org/?x=1' }, /^public_url:/],
    ['cert without key', { https_cert_file: '/etc/mfa-radius-proxy/https.pem' }, /^https_key_file: missing/],
    ['key without cert', { https_key_file: '/etc/mfa-radius-proxy/https.key' }, /^https_cert_file: missing/],
    [
      'relative cert',
      { https_cert_file: 'https.pem', https_key_file: '/k' },
      /^https_cert_file: expected an absolute path/,
    ],
    [
      'admin port shared with the portal',
      {
        proxy: {
          clients: [],
          http: {
            listen: [{ address: '192.0.2.10' }],
            admin_listen: [{ address: '192.0.2.11', port: 8443 }],
          },
        },
      },
      /^proxy\.http\.admin_listen\[0\]\.port: 8443 is also a port of proxy\.http\.listen/,
    ],
    [
      'http listen address',
      { proxy: { clients: [], http: { listen: [{ address: '192.0.2.0/24' }] } } },
      /^proxy\.http\.listen\[0\]\.address:/,
    ],
    [
      'http listen port',
      { proxy: { clients: [], http: { listen: [{ address: '::', port: 70000 }] } } },
      /^proxy\.http\.listen\[0\]\.port:/,
    ],
    [
      'http listen missing',
      { proxy: { clients: [], http: { public_url: 'https://x.example' } } },
      /^proxy\.http\.listen:/,
    ],
    ['empty http', { proxy: { clients: [], http: null } }, /^proxy\.http: expected a mapping/],
  ])('rejects a bad %s with a SeedError naming the key', (_name, extra, message) => {
    let err: unknown;
    try {
      renderAll(seed(extra), deps);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SeedError);
    expect((err as Error).message).toMatch(message);
  });

  it('keeps a seed http: section as written and opens the ports it names', () => {
    const http = {
      listen: [{ address: '192.0.2.10', port: 443 }],
      admin_listen: [{ address: '10.9.0.10', port: 9443 }],
      public_url: 'https://vpn.example.org',
      cert_file: '/etc/mfa-radius-proxy/le.pem',
      key_file: '/etc/mfa-radius-proxy/le.key',
    };
    const r = renderAll(
      seed({
        proxy: { clients: [{ name: 'vpn', address: '10.0.0.1', secret: 'a-long-shared-secret' }], http },
        public_url: 'https://other.example.org',
        web_allow_from: ['10.9.0.0/16'],
      }),
      deps,
    );
    expect(configOf(r).http).toEqual(http);
    const fw = firewallOf(r);
    expect(elements(fw, 'portal_ports')).toBe('443');
    expect(elements(fw, 'admin_ports')).toBe('9443');
    expect(r.warnings).toEqual(['public_url is ignored: proxy.http is given and kept as written']);
  });

  it('a kept http: without admin_listen serves the admin pages on the portal port: warned when the portal is opened wider', () => {
    const r = renderAll(
      seed({
        proxy: { clients: [], http: { listen: [{ address: '0.0.0.0' }] } },
        web_allow_from: ['10.9.0.0/16'],
        portal_allow_from: ['0.0.0.0/0'],
      }),
      deps,
    );
    expect(configOf(r).http).toEqual({ listen: [{ address: '0.0.0.0' }] });
    const fw = firewallOf(r);
    expect(elements(fw, 'portal_ports')).toBe('8443');
    expect(elements(fw, 'admin_ports')).toBeNull();
    expect(r.warnings.join('\n')).toMatch(
      /no admin_listen: the admin pages and \/metrics are served on the portal port/,
    );
  });

  it.each([
    [
      'the shipped example',
      () => YAML.parse(readFileSync(join(APPLIANCE, 'appliance.example.yaml'), 'utf8')),
    ],
    [
      'IPv6 and certificate files',
      () =>
        seed({
          proxy: {
            listen: [{ address: '::' }],
            clients: [{ name: 'vpn', address: '2001:db8::1', secret: 'a-long-shared-secret' }],
          },
          https_cert_file: '/etc/mfa-radius-proxy/https.pem',
          https_key_file: '/etc/mfa-radius-proxy/https.key',
        }),
    ],
  ])('the rendered http: section is one the proxy accepts (its own config parser): %s', (_name, raw) => {
    const text = file(renderAll(raw(), deps), '/etc/mfa-radius-proxy/config.yaml')?.content ?? '';
    const { config } = parseConfig({ file: '/etc/mfa-radius-proxy/config.yaml', text });
    expect(config.http?.listen.map((l) => l.port)).toContain(8443);
    expect(config.http?.admin_listen?.map((l) => l.port)).toContain(8444);
    expect(config.http?.public_url).toMatch(/^https:\/\/[a-z0-9.-]+:8443$/);
  });

  it('re-renders the web ports from an edited config.yaml (mfa-apply-seed --firewall)', () => {
    const base = {
      listen: [{ address: '0.0.0.0', auth_port: 1812 }],
      clients: [{ name: 'n', address: '192.0.2.7' }],
    };
    const mgmt = {
      ssh_allow_from: ['10.9.0.0/16'],
      web_allow_from: ['10.9.0.0/16'],
      portal_allow_from: ['0.0.0.0/0'],
    };
    const fw = firewallFromConfig(
      {
        ...base,
        http: {
          listen: [{ address: '0.0.0.0' }, { address: '::', port: 443 }],
          admin_listen: [{ address: '10.9.0.1' }],
        },
      },
      mgmt,
    );
    expect(elements(fw, 'portal_ports')).toBe('443, 8443');
    expect(elements(fw, 'admin_ports')).toBe('8444');
    expect(elements(fw, 'portal_v4')).toBe('0.0.0.0/0');
    // no http: section in config.yaml: no web port is opened at all
    const none = firewallFromConfig(base, mgmt);
    expect(elements(none, 'portal_ports')).toBeNull();
    expect(elements(none, 'admin_ports')).toBeNull();
    // a management.json written before the portal existed: the portal stays on the management networks
    const old = firewallFromConfig(
      { ...base, http: { listen: [{ address: '0.0.0.0' }] } },
      { ssh_allow_from: ['10.9.0.0/16'] },
    );
    expect(elements(old, 'portal_ports')).toBe('8443');
    expect(elements(old, 'web_v4')).toBe('10.9.0.0/16');
    expect(elements(old, 'portal_v4')).toBeNull();
    expect(() =>
      firewallFromConfig(
        {
          ...base,
          http: { listen: [{ address: '0.0.0.0' }], admin_listen: [{ address: '10.9.0.1', port: 8443 }] },
        },
        mgmt,
      ),
    ).toThrow(/^http\.admin_listen\[0\]\.port: 8443 is also a port of http\.listen/);
  });
});
