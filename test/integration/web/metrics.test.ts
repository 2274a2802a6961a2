import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, httpsGet } from '../../helpers/https-get.js';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { type Exposition, parseExposition, sample } from '../../helpers/prom-text.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, startSlapd } from '../../helpers/slapd.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { login as upstreamLogin, startProxyFor, startUpstream } from '../upstream/upstream-env.js';

/**
 * Issue 11 item 4 end to end: the built app under `node --jitless` (as the appliance runs it) with
 * `http.admin_listen`, slapd as the directory, radclient as the gateway; /metrics scraped over
 * HTTPS, parsed, and its counters moved by exactly the packets sent; promtool (Prometheus's own
 * checker) reads the exposition and the README's scrape config, and a real Prometheus scrapes the
 * proxy with it. Readiness against a stopped slapd runs in-process on a manual clock, so the
 * probe cache expires by moving the clock, not by sleeping.
 */
const TOKEN = 'metrics-token-0f3c9a2e7b1d4e58';
const SECRET = 'metrics-radius-secret-81c2';

let dir: string;
let pki: TestPki;
let ldap: SlapdHarness;

const ldapYaml = (h: SlapdHarness): string[] => [
  'directory:',
  '  type: ldap',
  '  flavour: openldap',
  `  servers: ["${h.url}"]`,
  `  bind_dn: "${h.serviceDn}"`,
  `  bind_password: "${h.servicePassword}"`,
  `  base_dn: "${h.suffix}"`,
  '  timeout_ms: 2000',
  'mfa:',
  '  exempt_users: [alice]',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'metrics-it-'));
  pki = makeTestPki(dir);
  writeFileSync(join(dir, 'cert.pem'), pki.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.keyPem);
  writeFileSync(join(dir, 'metrics-token'), `${TOKEN}\n`, { mode: 0o600 });
  registerSensitive(TOKEN, SECRET, 'alice-pw', 'carol-pw');
  ldap = await startSlapd();
  registerSensitive(ldap.servicePassword);
}, 60_000);

afterAll(async () => {
  await ldap?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The README's Prometheus scrape config (the ```yml block in "## Metrics and health"). */
function readmeScrapeConfig(): string {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('## Metrics and health');
  const m = /```yml\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !m) throw new Error('README.md: no ```yml scrape config under "## Metrics and health"');
  return m[1]!;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('the built app under node --jitless: /metrics on the admin surface', () => {
  let proxy: ProxyHandle;
  let pub: number;
  let adm: number;
  const scrape = async (): Promise<Exposition> => {
    const r = await httpsGet(adm, '/metrics', {
      ca: pki.caPem,
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(r.body);
  };

  beforeAll(async () => {
    pub = await freeTcpPort();
    adm = await freeTcpPort();
    proxy = await startProxy({
      nodeFlags: ['--jitless', '--unhandled-rejections=strict'],
      configYaml: ({ port, dataDir }) =>
        [
          'listen:',
          `  - { address: 127.0.0.1, auth_port: ${port} }`,
          `data_dir: ${dataDir}`,
          'clients:',
          `  - { name: vpn, address: 127.0.0.1, secret: "${SECRET}", require_message_authenticator: true }`,
          ...ldapYaml(ldap),
          'http:',
          `  listen: [{ address: 127.0.0.1, port: ${pub} }]`,
          `  admin_listen: [{ address: 127.0.0.1, port: ${adm} }]`,
          `  cert_file: ${join(dir, 'cert.pem')}`,
          `  key_file: ${join(dir, 'key.pem')}`,
          `  metrics_token_file: ${join(dir, 'metrics-token')}`,
          '',
        ].join('\n'),
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
  });

  const login = (user: string, password: string, secret = SECRET) =>
    radclient({
      server: proxy.server,
      secret,
      attrs: { 'User-Name': quote(user), 'User-Password': quote(password) },
      timeoutSec: 1,
    });

  it('counters move by exactly the accepts, rejects and the wrong-secret packet radclient sent', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await login('alice', 'alice-pw')).code).toBe('Access-Accept');
    for (let i = 0; i < 2; i++) expect((await login('carol', 'wrong-pw')).code).toBe('Access-Reject');
    registerSensitive('not-the-secret-5d1e');
    expect((await login('alice', 'alice-pw', 'not-the-secret-5d1e')).code).toBe('timeout');
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}): number =>
      (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);

    expect(
      moved('mfa_radius_requests_total', { client: 'vpn', result: 'accept', reason: 'mfa_exempt' }),
    ).toBe(3);
    expect(
      moved('mfa_radius_requests_total', { client: 'vpn', result: 'reject', reason: 'bad_password' }),
    ).toBe(2);
    expect(moved('mfa_radius_dropped_total', { cause: 'bad_message_authenticator' })).toBe(1);
    expect(moved('mfa_radius_packets_received_total', { port: 'auth' })).toBe(6);
    expect(moved('mfa_radius_packets_answered_total', { port: 'auth', type: 'access_accept' })).toBe(3);
    expect(moved('mfa_radius_packets_answered_total', { port: 'auth', type: 'access_reject' })).toBe(2);
    expect(moved('mfa_radius_request_duration_seconds_count', { client: 'vpn', result: 'accept' })).toBe(3);
    expect(moved('mfa_radius_request_duration_seconds_count', { client: 'vpn', result: 'reject' })).toBe(2);
    expect(moved('mfa_radius_duplicates_total', { port: 'auth', kind: 'in_flight' })).toBe(0);
    // Every accept took less than 30 s: all three are under the last finite bucket.
    expect(
      moved('mfa_radius_request_duration_seconds_bucket', { client: 'vpn', result: 'accept', le: '30' }),
    ).toBe(3);
    expect(sample(after, 'mfa_radius_directory_up', { type: 'ldap' })).toBe(1);
    expect(sample(after, 'mfa_radius_pending_challenges')).toBe(0);
    // No user name, password or secret in the exposition.
    const text = (
      await httpsGet(adm, '/metrics', { ca: pki.caPem, headers: { Authorization: `Bearer ${TOKEN}` } })
    ).body;
    expect(text).not.toMatch(/alice|carol|alice-pw|wrong-pw|metrics-radius-secret/);
  });

  it('/metrics is not served on the public listener when admin_listen is set; probes are not either', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const r = await httpsGet(pub, path, { ca: pki.caPem, headers: { Authorization: `Bearer ${TOKEN}` } });
      expect([path, r.status]).toEqual([path, 404]);
      expect(r.body).not.toContain('mfa_radius');
    }
  });

  it('/metrics without the token, or with a wrong one: 401 and no metrics', async () => {
    for (const headers of [{}, { Authorization: 'Bearer metrics-token-0f3c9a2e7b1d4e59' }] as Record<
      string,
      string
    >[]) {
      const r = await httpsGet(adm, '/metrics', { ca: pki.caPem, headers });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(r.body).not.toContain('mfa_radius');
    }
  });

  it('/healthz 200 ok and /readyz 200 ready with the directory up (no token needed)', async () => {
    expect(await httpsGet(adm, '/healthz', { ca: pki.caPem })).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpsGet(adm, '/readyz', { ca: pki.caPem })).toMatchObject({ status: 200, body: 'ready\n' });
  });

  it('promtool reads the exposition: no parse error, only prom-client’s own three default-metric names', async () => {
    const r = await httpsGet(adm, '/metrics', {
      ca: pki.caPem,
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const file = join(dir, 'scrape.txt');
    writeFileSync(file, r.body);
    const checked = await run('sh', ['-c', `promtool check metrics < ${file}`]);
    // Exit 3 is "lint problems", 1 a parse error. prom-client's default metrics name three gauges
    // *_total (nodejs_active_handles_total, ...): known upstream, not ours.
    expect([0, 3]).toContain(checked.code);
    const problems = checked.out.split('\n').filter((l) => l.trim() !== '');
    for (const p of problems)
      expect(p).toMatch(/^mfa_radius_nodejs_active_(handles|requests|resources)_total non-counter metrics/);
  });

  it('the README’s scrape config passes promtool, and a real Prometheus scrapes the proxy with it', async () => {
    const cfg = readmeScrapeConfig()
      .replace(/credentials_file: \S+/, `credentials_file: ${join(dir, 'metrics-token')}`)
      .replace(/ca_file: \S+/, `ca_file: ${pki.caFile}`)
      .replace(/targets: \[[^\]]*\]/, `targets: ['127.0.0.1:${adm}']`)
      // The README's 15 s; 1 s here so the first scrape comes at once.
      .replace(/scrape_interval: \S+/, 'scrape_interval: 1s');
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, cfg);
    const checked = await run('promtool', ['check', 'config', file]);
    expect(checked.out).toContain('SUCCESS');
    expect(checked.code).toBe(0);

    const webPort = await freeTcpPort();
    const prom: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${file}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    prom.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    try {
      // Prometheus's first scrape of the target: up == 1 (TLS verified with ca_file, the token sent).
      const query = `/api/v1/query?query=${encodeURIComponent('up{job="mfa-radius-proxy"}')}`;
      let up: string | undefined;
      const until = Date.now() + 30_000;
      while (up !== '1' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        const r = await httpGet(webPort, query).catch(() => undefined);
        if (r?.status !== 200) continue;
        const v = JSON.parse(r.body) as { data: { result: Array<{ value: [number, string] }> } };
        up = v.data.result[0]?.value[1];
      }
      expect(up, `prometheus log: ${log}`).toBe('1');
      const accepts = await httpGet(
        webPort,
        `/api/v1/query?query=${encodeURIComponent('mfa_radius_requests_total{result="accept",reason="mfa_exempt"}')}`,
      );
      const v = JSON.parse(accepts.body) as { data: { result: Array<{ metric: Record<string, string> }> } };
      expect(v.data.result[0]?.metric).toMatchObject({ job: 'mfa-radius-proxy', client: 'vpn' });
    } finally {
      prom.kill('SIGTERM');
      await new Promise((r) => (prom.exitCode !== null ? r(undefined) : prom.once('exit', r)));
    }
  }, 60_000);
});

describe('/readyz follows the directory (in-process, manual clock)', () => {
  let p: InProcessProxy;
  let adm: number;
  const readyz = () => httpsGet(adm, '/readyz', { ca: pki.caPem });

  beforeAll(async () => {
    adm = await freeTcpPort();
    const pub = await freeTcpPort();
    p = await startInProcess({
      clientYaml: ['mfa_mode: challenge'],
      extraYaml: [
        ...ldapYaml(ldap),
        'http:',
        `  listen: [{ address: 127.0.0.1, port: ${pub} }]`,
        `  admin_listen: [{ address: 127.0.0.1, port: ${adm} }]`,
        `  cert_file: ${join(dir, 'cert.pem')}`,
        `  key_file: ${join(dir, 'key.pem')}`,
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
  });

  it('200 with slapd up; 503 naming the directory once slapd is stopped and the cache ran out; 200 again', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: 'ready\n' });
    await ldap.kill();
    try {
      // Within the cache period the last probe's answer stands: no probe per request.
      p.clock.advance(4000);
      expect((await readyz()).status).toBe(200);
      p.clock.advance(1000);
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/^text\/plain/);
      expect(down.body).toMatch(/^not ready\ndirectory: ldap unreachable \(.+\)\n$/);
      expect(down.body).not.toContain(ldap.servicePassword);
      // The metrics say so too, from the same cached probe.
      const m = parseExposition((await httpsGet(adm, '/metrics', { ca: pki.caPem })).body);
      expect(sample(m, 'mfa_radius_directory_up', { type: 'ldap' })).toBe(0);
    } finally {
      await ldap.restart();
    }
    // The LDAP client keeps a failed server aside for server_retry_ms: move past both.
    p.clock.advance(60_000);
    expect(await readyz()).toMatchObject({ status: 200, body: 'ready\n' });
  });
});

describe('/readyz follows the upstream RADIUS servers (in-process, manual clock)', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let p: InProcessProxy;
  let adm: number;
  const readyz = () => httpsGet(adm, '/readyz', { ca: pki.caPem });
  const metrics = async () => parseExposition((await httpsGet(adm, '/metrics', { ca: pki.caPem })).body);

  beforeAll(async () => {
    up = await startUpstream();
    adm = await freeTcpPort();
    const pub = await freeTcpPort();
    p = await startProxyFor([{ port: up.port, secret: up.secret, timeout: 0.3, retries: 0 }], {
      directoryExtra: ['dead_after: 1', 'probe_interval: 0.2', 'status_check: status_server'],
      extraYaml: [
        'mfa:',
        '  exempt_users: [carol]',
        'http:',
        `  listen: [{ address: 127.0.0.1, port: ${pub} }]`,
        `  admin_listen: [{ address: 127.0.0.1, port: ${adm} }]`,
        `  cert_file: ${join(dir, 'cert.pem')}`,
        `  key_file: ${join(dir, 'key.pem')}`,
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await up?.fr.stop();
  });

  it('200 while the server answers; 503 once it is marked dead; upstream_up follows', async () => {
    const server = `127.0.0.1:${up.port}`;
    expect((await upstreamLogin(p, 'carol', 'carol-pw')).code).toBe('Access-Accept');
    expect(await readyz()).toMatchObject({ status: 200, body: 'ready\n' });
    expect(sample(await metrics(), 'mfa_radius_upstream_up', { role: 'auth', server })).toBe(1);
    await up.fr.kill();
    // One unanswered request (dead_after: 1) marks the only server dead.
    expect((await upstreamLogin(p, 'carol', 'carol-pw')).code).toBe('Access-Reject');
    expect(p.app.upstream()!.health.auth[0]).toMatchObject({ server, alive: false });
    p.clock.advance(5000);
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body).toBe(`not ready\ndirectory: no upstream RADIUS server alive (${server})\n`);
    const m = await metrics();
    expect(sample(m, 'mfa_radius_upstream_up', { role: 'auth', server })).toBe(0);
    expect(sample(m, 'mfa_radius_directory_up', { type: 'radius' })).toBe(0);
    expect(sample(m, 'mfa_radius_upstream_events_total', { event: 'marked_dead' })).toBe(1);
    expect(
      sample(m, 'mfa_radius_requests_total', { client: 'vpn', result: 'reject', reason: 'upstream_timeout' }),
    ).toBe(1);
  });
});

describe('SMS metrics from the real SMS path (in-process, a Twilio-speaking HTTPS server)', () => {
  const SID = `AC${'c3'.repeat(16)}`;
  const TWILIO_TOKEN = 'twilio-metrics-auth-token-4b7e01';
  let twilio: SmsApiServer;
  let p: InProcessProxy;
  let adm: number;

  beforeAll(async () => {
    registerSensitive(TWILIO_TOKEN, '+4915123456700', 'sam-right-pw');
    twilio = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: TWILIO_TOKEN }));
    writeFileSync(join(dir, 'twilio.token'), `${TWILIO_TOKEN}\n`, { mode: 0o600 });
    adm = await freeTcpPort();
    const pub = await freeTcpPort();
    p = await startInProcess({
      clientYaml: ['mfa_mode: challenge'],
      extraYaml: [
        'sms:',
        '  default_country: DE',
        '  budgets: { per_user: { hour: 1, day: 10 } }',
        '  providers:',
        '    - name: twilio-main',
        '      type: twilio',
        `      account_sid: ${SID}`,
        `      auth_token_file: ${join(dir, 'twilio.token')}`,
        '      from: "+15005550006"',
        `      base_url: https://127.0.0.1:${twilio.port}`,
        `      ca_file: ${pki.caFile}`,
        'http:',
        `  listen: [{ address: 127.0.0.1, port: ${pub} }]`,
        `  admin_listen: [{ address: 127.0.0.1, port: ${adm} }]`,
        `  cert_file: ${join(dir, 'cert.pem')}`,
        `  key_file: ${join(dir, 'key.pem')}`,
      ],
    });
    await p.addUser('sam', 'sam-right-pw');
    p.app.store.phones.set('sam', '+4915123456700');
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await twilio?.close();
  });

  it('one SMS sent (by provider), the next refused by the per-user hour budget; the challenge is pending', async () => {
    const login = () =>
      radclient({
        server: p.server,
        secret: p.secret,
        timeoutSec: 10,
        attrs: { 'User-Name': quote('sam'), 'User-Password': quote('sam-right-pw') },
      });
    expect((await login()).code).toBe('Access-Challenge');
    expect((await login()).code).toBe('Access-Reject');
    const m = parseExposition((await httpsGet(adm, '/metrics', { ca: pki.caPem })).body);
    expect(sample(m, 'mfa_radius_sms_sent_total', { provider: 'twilio-main' })).toBe(1);
    expect(sample(m, 'mfa_radius_sms_refused_total', { limit: 'user_hour' })).toBe(1);
    expect(sample(m, 'mfa_radius_pending_challenges')).toBe(1);
    expect(
      sample(m, 'mfa_radius_requests_total', {
        client: 'vpn',
        result: 'reject',
        reason: 'sms_budget_exceeded',
      }),
    ).toBe(1);
    expect(
      sample(m, 'mfa_radius_requests_total', {
        client: 'vpn',
        result: 'challenge',
        reason: 'challenge_issued',
      }),
    ).toBe(1);
    expect(twilio.requests).toHaveLength(1);
  });
});
