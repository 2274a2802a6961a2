import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../../src/factors/totp.js';
import { oathCode } from '../../helpers/oathtool.js';
import { freeTcpPort, freeUdpPort } from '../../helpers/ports.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { RsyslogHandle } from '../../helpers/rsyslog.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { makeClientCert, makeTestPki } from '../../helpers/test-pki.js';

/**
 * Issue 11, item 5: the log lines also go to a real rsyslogd, over UDP (RFC 5426), TCP (RFC 6587
 * octet counting) and TLS (RFC 5425, with a client certificate); the `auth` event of a radclient
 * login arrives as an RFC 5424 message whose MSG is the JSON line, with no password or code in it.
 */

const dir = mkdtempSync(join(tmpdir(), 'mfa-syslog-'));
const pki = makeTestPki(dir, 'syslog');
const client = makeClientCert(dir, 'syslog');
const serverCert = { certFile: join(dir, 'syslog-server.pem'), keyFile: join(dir, 'syslog-server.key') };
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const SECRET = base32Encode(randomBytes(20));
registerSensitive(PASSWORD, SECRET);

let rsyslog: RsyslogHandle;
let ports: { udp: number; tcp: number; tls: number };
const proxies: ProxyHandle[] = [];

beforeAll(async () => {
  ports = { udp: await freeUdpPort(), tcp: await freeTcpPort(), tls: await freeTcpPort() };
  rsyslog = await RsyslogHandle.start({
    dir,
    udpPort: ports.udp,
    tcpPort: ports.tcp,
    tls: { port: ports.tls, caFile: pki.caFile, ...serverCert, requireClientCert: true },
  });
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await rsyslog?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function proxyWithSyslog(syslogYaml: string[]): Promise<ProxyHandle> {
  const p = await startProxy({
    configYaml: ({ port, secret, dataDir }) =>
      [
        'listen:',
        '  - address: 127.0.0.1',
        `    auth_port: ${port}`,
        `data_dir: ${dataDir}`,
        'clients:',
        '  - name: vpn',
        '    address: 127.0.0.0/8',
        `    secret: ${JSON.stringify(secret)}`,
        '    mfa_mode: concat',
        'log:',
        '  stats_interval_sec: 1',
        // The outage test sends 15 wrong passwords to make lines; no lockout in the way.
        'lockout:',
        '  max_failures: 100',
        'syslog:',
        ...syslogYaml.map((l) => `  ${l}`),
        '',
      ].join('\n'),
  });
  proxies.push(p);
  const add = await p.cli(['user', 'add', 'alice', '--password-stdin'], `${PASSWORD}\n`);
  expect(add.code, add.stderr).toBe(0);
  const tok = await p.cli(['token', 'add', 'alice', '--secret', SECRET, '--no-qr']);
  expect(tok.code, tok.stderr).toBe(0);
  return p;
}

/**
 * A login in one field (concat): password + the code oathtool computes now (or a wrong password);
 * resolves with the correlation id of its own `auth` event.
 */
async function login(p: ProxyHandle, password = PASSWORD): Promise<string> {
  const before = p.audits().length;
  const r = await radclient({
    server: p.server,
    secret: p.secret,
    attrs: { 'User-Name': quote('alice'), 'User-Password': quote(`${password}${oathCode(SECRET)}`) },
  });
  expect(r.code).toBe(password === PASSWORD ? 'Access-Accept' : 'Access-Reject');
  await p.waitFor(() => p.audits().length > before);
  return p.audits()[before]!.correlation_id as string;
}

describe('remote syslog to a real rsyslogd', () => {
  it.each([
    ['udp', () => [`host: 127.0.0.1`, `port: ${ports.udp}`, 'transport: udp'], 'udp'],
    ['tcp', () => [`host: 127.0.0.1`, `port: ${ports.tcp}`, 'transport: tcp'], 'tcp'],
    [
      'tls (client certificate)',
      () => [
        'host: 127.0.0.1',
        `port: ${ports.tls}`,
        'transport: tls',
        'tls:',
        `  ca_file: ${pki.caFile}`,
        `  cert_file: ${client.certFile}`,
        `  key_file: ${client.keyFile}`,
      ],
      'tls',
    ],
  ])(
    '%s: the auth event of a radclient login arrives as RFC 5424, MSG the JSON line',
    async (_n, yaml, input) => {
      const p = await proxyWithSyslog([
        ...yaml(),
        'facility: local3',
        'app_name: mfa-test',
        'hostname: vpn-mfa-1',
      ]);
      const correlation = await login(p);
      const got = await rsyslog.waitFor((m) => m.input === input && m.json.correlation_id === correlation);
      // local3 (19) × 8 + informational (6)
      expect(got.pri).toBe(158);
      expect(got).toMatchObject({ appName: 'mfa-test', hostname: 'vpn-mfa-1', msgId: 'auth', hadBom: true });
      expect(got.procId).toBe(String(p.child.pid));
      expect(got.structuredData).toMatch(/^\[meta sequenceId="\d+"\]$/);
      expect(got.json).toMatchObject({ event: 'auth', result: 'accept', reason: 'mfa_ok', user: 'alice' });
      // The JSON on stdout and the MSG are the same line.
      const local = p.entries.find((e) => e.correlation_id === correlation && e.event === 'auth');
      expect(got.json).toEqual(local);
      // A warn line keeps its severity: the `started` line is info, a lockout would be warn; the
      // stats event carries the destination's counters.
      const stats = await p.waitFor((e) => e.event === 'stats' && Number(e.syslog_sent) > 0);
      expect(stats.syslog_dropped).toBe(0);
      const text = readFileSync(rsyslog.outFile, 'utf8');
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(SECRET);
    },
  );

  it('tls: without the client certificate the server requires, nothing arrives and the proxy warns', async () => {
    const p = await proxyWithSyslog([
      'host: 127.0.0.1',
      `port: ${ports.tls}`,
      'transport: tls',
      'tls:',
      `  ca_file: ${pki.caFile}`,
    ]);
    const down = await p.waitFor((e) => e.event === 'syslog_unreachable');
    expect(down.level).toBe('warn');
    const correlation = await login(p);
    // rsyslog checks the certificate after the handshake and closes: the proxy sees the close
    // and keeps reconnecting (RFC 5425 has no acknowledgements, so lines written into such a
    // connection are lost; the receiver's sequenceId gaps show it).
    await p.waitFor((e) => e.event === 'stats' && Number(e.syslog_sent) > 0);
    expect(rsyslog.events().some((m) => m.json.correlation_id === correlation)).toBe(false);
    expect(p.entries.filter((e) => e.event === 'syslog_connected' && e.failures === 0)).toHaveLength(1);
  });

  it('tls: a server certificate from another CA is refused; nothing is sent', async () => {
    const other = makeTestPki(dir, 'other');
    const p = await proxyWithSyslog([
      'host: 127.0.0.1',
      `port: ${ports.tls}`,
      'transport: tls',
      'tls:',
      `  ca_file: ${other.caFile}`,
      `  cert_file: ${client.certFile}`,
      `  key_file: ${client.keyFile}`,
    ]);
    const down = await p.waitFor((e) => e.event === 'syslog_unreachable');
    expect(String(down.error)).toMatch(/certificate/i);
    await login(p);
    const stats = await p.waitFor((e) => e.event === 'stats' && Number(e.syslog_queued) > 0);
    expect(stats.syslog_sent).toBe(0);
    expect(p.entries.some((e) => e.event === 'syslog_connected')).toBe(false);
  });

  it('tcp: the server down at start, then up: lines wait in a bounded queue, drops are counted, the rest arrives', async () => {
    const port = await freeTcpPort();
    const p = await proxyWithSyslog(['host: 127.0.0.1', `port: ${port}`, 'transport: tcp', 'queue_size: 10']);
    const down = await p.waitFor((e) => e.event === 'syslog_unreachable');
    expect(down).toMatchObject({ level: 'warn', server: `tcp://127.0.0.1:${port}` });
    // 15 lines while down: 10 wait, 5 (and more: stats lines) are dropped.
    for (let i = 0; i < 15; i++) await login(p, 'wrong-password');
    const full = await p.waitFor((e) => e.event === 'stats' && Number(e.syslog_dropped) >= 5);
    expect(full.syslog_queued).toBe(10);
    expect(full.syslog_sent).toBe(0);
    // At most one warning a minute while it stays down, however many attempts fail.
    expect(p.entries.filter((e) => e.event === 'syslog_unreachable')).toHaveLength(1);

    const late = await RsyslogHandle.start({ dir, tcpPort: port }, 'rsyslog-late');
    try {
      await p.waitFor((e) => e.event === 'syslog_connected', 20_000);
      const correlation = await login(p);
      await late.waitFor((m) => m.json.correlation_id === correlation);
      const received = late.events();
      // The first ten lines queued while down came first, then the later ones; the gap in
      // sequenceId shows what was dropped.
      const seqs = received.map((m) => Number(/sequenceId="(\d+)"/.exec(m.structuredData)?.[1]));
      expect(seqs.slice(0, 10)).toEqual([...seqs.slice(0, 10)].sort((a, b) => a - b));
      expect(seqs[10]! - seqs[9]!).toBeGreaterThan(1);
      const after = await p.waitFor((e) => e.event === 'stats' && Number(e.syslog_sent) >= 11);
      expect(Number(after.syslog_dropped)).toBeGreaterThanOrEqual(5);
    } finally {
      await late.stop();
    }
  });
});
