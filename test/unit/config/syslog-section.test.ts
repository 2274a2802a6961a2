import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { checkConfigPaths } from '../../../src/config/path-checks.js';

const base = 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n';
const load = (syslog: string) =>
  parseConfig({ file: '/etc/mfa/config.yaml', text: `${base}syslog:\n${syslog}` });

describe('syslog: config section', () => {
  it('defaults: udp, facility auth, the app name, info and up, a 10000-line queue, the BOM', () => {
    const c = load('  host: 10.0.0.20\n').config.syslog;
    expect(c).toEqual({
      host: '10.0.0.20',
      transport: 'udp',
      facility: 'auth',
      app_name: 'mfa-radius-proxy',
      min_level: 'info',
      queue_size: 10_000,
      max_message_bytes: 8192,
      utf8_bom: true,
    });
  });

  it.each([
    ['  host: h\n  transport: tls\n', /tls\.ca_file/],
    ['  host: h\n  tls:\n    ca_file: /x.pem\n', /transport is not tls/],
    [
      '  host: h\n  transport: tls\n  tls:\n    ca_file: /x.pem\n    cert_file: /c.pem\n',
      /cert_file and key_file together/,
    ],
    ['  host: h\n  facility: local8\n', /facility/],
    ['  host: h\n  app_name: "mfa proxy"\n', /app_name/],
    ['  host: h\n  transport: relp\n', /transport/],
    ['  host: h\n  port: 70000\n', /port/],
    ['  host: h\n  queue_size: 1\n', /queue_size/],
    ['  port: 514\n', /host/],
  ])('refuses %j, naming the key', (yaml, key) => {
    expect(() => load(yaml)).toThrow(key);
  });

  it('check-config names an unreadable TLS file, as serve would refuse it', () => {
    const { config } = load('  host: h\n  transport: tls\n  tls:\n    ca_file: /nonexistent/ca.pem\n');
    expect(checkConfigPaths({ ...config, data_dir: '/tmp' })).toContainEqual({
      key: 'syslog.tls.ca_file',
      path: '/nonexistent/ca.pem',
      problem: 'cannot be read (ENOENT)',
    });
  });
});
