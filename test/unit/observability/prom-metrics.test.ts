import { describe, expect, it } from 'vitest';
import { Reasons } from '../../../src/pipeline/reasons.js';
import { PromMetrics } from '../../../src/observability/prom-metrics.js';
import { tapSmsLog } from '../../../src/observability/prom-sms-tap.js';
import { LATENCY_BUCKETS } from '../../../src/observability/prom-tally.js';
import type { AuthRecord } from '../../../src/observability/radius-observer.js';
import { parseExposition, sample, samples } from '../../helpers/prom-text.js';

const auth = (over: Partial<AuthRecord> = {}): AuthRecord => ({
  at: 0,
  result: 'accept',
  reason: Reasons.MFA_OK,
  client: 'vpn',
  user: 'alice',
  identity: 'alice',
  correlationId: 'c1',
  latencyMs: 12,
  src: '127.0.0.1:5000',
  ...over,
});

const scrape = async (m: PromMetrics) => parseExposition(await m.render());

describe('PromMetrics: the exposition', () => {
  it('parses back, every metric is mfa_radius_* with a HELP and a TYPE, process metrics included', async () => {
    const m = new PromMetrics({ server: () => ({}), pendingChallenges: () => 0, oobWaits: () => 0 });
    m.radius.onAuth(auth());
    const e = await scrape(m);
    expect(e.samples.length).toBeGreaterThan(20);
    for (const s of e.samples) expect(s.name).toMatch(/^mfa_radius_/);
    for (const name of e.types.keys()) {
      expect(name).toMatch(/^mfa_radius_/);
      expect(e.help.get(name)).toBeTruthy();
    }
    expect(e.types.get('mfa_radius_process_cpu_user_seconds_total')).toBe('counter');
    expect(e.types.get('mfa_radius_nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(e.types.get('mfa_radius_request_duration_seconds')).toBe('histogram');
  });

  it('agrees with prom-client’s own registry API (getMetricsAsJSON) on the tallies', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    m.radius.onAuth(auth());
    m.radius.onAuth(auth({ result: 'reject', reason: Reasons.BAD_CODE }));
    const json = await m.registry.getMetricsAsJSON();
    const requests = json.find((x) => x.name === 'mfa_radius_requests_total')!;
    expect(requests.values).toEqual(
      expect.arrayContaining([
        { labels: { client: 'vpn', result: 'accept', reason: 'mfa_ok' }, value: 1 },
        { labels: { client: 'vpn', result: 'reject', reason: 'bad_code' }, value: 1 },
      ]),
    );
    const text = await scrape(m);
    expect(
      sample(text, 'mfa_radius_requests_total', { client: 'vpn', result: 'reject', reason: 'bad_code' }),
    ).toBe(1);
  });
});

describe('PromMetrics: render() writes what registry.metrics() writes, a metric per event-loop turn', () => {
  it('byte for byte the same text', async () => {
    const m = new PromMetrics(
      {
        server: () => ({ received: 3 }),
        pendingChallenges: () => 1,
        directory: async () => ({ type: 'ldap', up: true }),
      },
      { processMetrics: false },
    );
    m.radius.onAuth(auth());
    m.radius.onAuth(auth({ client: 'fw', result: 'reject', reason: Reasons.BAD_PASSWORD, latencyMs: 1500 }));
    m.radius.onDrop({ at: 0, cause: 'malformed', src: '10.0.0.1' });
    expect(await m.render()).toBe(await m.registry.metrics());
  });

  it('lets other callbacks run between metrics (a RADIUS datagram is not held for the whole scrape)', async () => {
    const m = new PromMetrics({ server: () => ({}) }, { processMetrics: false });
    let turns = 0;
    let on = true;
    const spin = (): void => {
      turns++;
      if (on) setImmediate(spin);
    };
    setImmediate(spin);
    await m.render();
    on = false;
    expect(turns).toBeGreaterThanOrEqual(m.registry.getMetricsAsArray().length - 1);
  });
});

describe('PromMetrics: counters move per observer call', () => {
  it('requests by client, result and reason; one more call, one more count', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    m.radius.onAuth(auth());
    m.radius.onAuth(auth());
    m.radius.onAuth(auth({ client: 'fw', result: 'challenge', reason: Reasons.CHALLENGE_ISSUED }));
    let e = await scrape(m);
    expect(
      sample(e, 'mfa_radius_requests_total', { client: 'vpn', result: 'accept', reason: 'mfa_ok' }),
    ).toBe(2);
    expect(
      sample(e, 'mfa_radius_requests_total', {
        client: 'fw',
        result: 'challenge',
        reason: 'challenge_issued',
      }),
    ).toBe(1);
    m.radius.onAuth(auth());
    e = await scrape(m);
    expect(
      sample(e, 'mfa_radius_requests_total', { client: 'vpn', result: 'accept', reason: 'mfa_ok' }),
    ).toBe(3);
  });

  it('the latency histogram: cumulative buckets from 1 ms to 30 s, sum and count in seconds', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    for (const ms of [0.5, 3, 3, 800, 12_000, 45_000]) m.radius.onAuth(auth({ latencyMs: ms }));
    const e = await scrape(m);
    const le = (b: string) =>
      sample(e, 'mfa_radius_request_duration_seconds_bucket', { client: 'vpn', result: 'accept', le: b });
    expect(LATENCY_BUCKETS[0]).toBe(0.001);
    expect(LATENCY_BUCKETS.at(-1)).toBe(30);
    expect(le('0.001')).toBe(1);
    expect(le('0.0025')).toBe(1);
    expect(le('0.005')).toBe(3);
    expect(le('1')).toBe(4);
    expect(le('10')).toBe(4);
    expect(le('20')).toBe(5);
    expect(le('30')).toBe(5);
    expect(le('+Inf')).toBe(6);
    expect(sample(e, 'mfa_radius_request_duration_seconds_count', { client: 'vpn', result: 'accept' })).toBe(
      6,
    );
    expect(
      sample(e, 'mfa_radius_request_duration_seconds_sum', { client: 'vpn', result: 'accept' }),
    ).toBeCloseTo((0.5 + 3 + 3 + 800 + 12_000 + 45_000) / 1000, 9);
    // Buckets never decrease.
    const values = samples(e, 'mfa_radius_request_duration_seconds_bucket').map((s) => s.value);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  });

  it('a negative or NaN latency (a clock step) counts in the first bucket and adds nothing to the sum', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    m.radius.onAuth(auth({ latencyMs: -5 }));
    m.radius.onAuth(auth({ latencyMs: Number.NaN }));
    const e = await scrape(m);
    expect(sample(e, 'mfa_radius_request_duration_seconds_sum', { client: 'vpn', result: 'accept' })).toBe(0);
    expect(
      sample(e, 'mfa_radius_request_duration_seconds_bucket', {
        client: 'vpn',
        result: 'accept',
        le: '0.001',
      }),
    ).toBe(2);
  });

  it('drops by cause', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    m.radius.onDrop({ at: 0, cause: 'bad_message_authenticator', src: '127.0.0.1' });
    m.radius.onDrop({ at: 0, cause: 'bad_message_authenticator', src: '127.0.0.2' });
    m.radius.onDrop({ at: 0, cause: 'unknown_client', src: '10.0.0.1' });
    const e = await scrape(m);
    expect(sample(e, 'mfa_radius_dropped_total', { cause: 'bad_message_authenticator' })).toBe(2);
    expect(sample(e, 'mfa_radius_dropped_total', { cause: 'unknown_client' })).toBe(1);
  });
});

describe('PromMetrics: label sets are bounded by the code and the config', () => {
  it('a reason outside the catalogue and a drop cause the server does not count become `other`', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    for (let i = 0; i < 100; i++) {
      m.radius.onAuth(auth({ result: 'reject', reason: `made_up_${i}` }));
      m.radius.onDrop({ at: 0, cause: `cause_${i}`, src: `10.0.0.${i}` });
    }
    const e = await scrape(m);
    expect(samples(e, 'mfa_radius_requests_total')).toEqual([
      {
        name: 'mfa_radius_requests_total',
        labels: { client: 'vpn', result: 'reject', reason: 'other' },
        value: 100,
      },
    ]);
    expect(samples(e, 'mfa_radius_dropped_total')).toEqual([
      { name: 'mfa_radius_dropped_total', labels: { cause: 'other' }, value: 100 },
    ]);
  });

  it('beyond maxClients distinct clients, the rest count under `other`', async () => {
    const m = new PromMetrics({}, { processMetrics: false, maxClients: 3 });
    for (let i = 0; i < 50; i++) m.radius.onAuth(auth({ client: `gw${i}` }));
    m.radius.onAuth(auth({ client: 'gw0' }));
    const e = await scrape(m);
    const clients = new Set(samples(e, 'mfa_radius_requests_total').map((s) => s.labels.client));
    expect(clients).toEqual(new Set(['gw0', 'gw1', 'gw2', 'other']));
    expect(
      sample(e, 'mfa_radius_requests_total', { client: 'gw0', result: 'accept', reason: 'mfa_ok' }),
    ).toBe(2);
    expect(
      sample(e, 'mfa_radius_requests_total', { client: 'other', result: 'accept', reason: 'mfa_ok' }),
    ).toBe(47);
  });

  it('user names, identities, sources and correlation ids are never labels', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    m.radius.onAuth(
      auth({ user: 'zz-user-9', identity: 'zz-identity-9', src: '192.0.2.99:1', correlationId: 'zz-corr' }),
    );
    m.radius.onDrop({ at: 0, cause: 'malformed', src: '192.0.2.98', client: 'vpn' });
    const text = await m.render();
    expect(text).not.toMatch(/zz-user-9|zz-identity-9|192\.0\.2\.9|zz-corr/);
  });

  it('SMS: providers from the config, limits from the budget, causes from the senders; the rest `other`', async () => {
    const m = new PromMetrics({}, { processMetrics: false });
    const lines: string[] = [];
    const log = tapSmsLog({ info: (_o, msg) => lines.push(msg), warn: (_o, msg) => lines.push(msg) }, m.sms);
    log.info({ event: 'sms_sent', provider: 'twilio', to: '+49 ••• 12' }, 'SMS code sent');
    log.info({ event: 'sms_sent', provider: 'twilio' }, 'SMS code sent');
    log.warn({ event: 'sms_refused', tripped: 'user_hour' }, 'SMS refused: user_hour');
    log.warn({ event: 'sms_refused', tripped: 'country_not_allowed' }, 'SMS refused');
    log.warn({ event: 'sms_refused', tripped: 'something_new' }, 'SMS refused');
    log.warn({ event: 'sms_send_failed', cause: 'network' }, 'every SMS provider failed');
    log.info({ event: 'sms_smpp_bound', provider: 'smsc' }, 'bound');
    const e = await scrape(m);
    expect(lines).toHaveLength(7); // every line still reaches the log
    expect(sample(e, 'mfa_radius_sms_sent_total', { provider: 'twilio' })).toBe(2);
    expect(sample(e, 'mfa_radius_sms_refused_total', { limit: 'user_hour' })).toBe(1);
    expect(sample(e, 'mfa_radius_sms_refused_total', { limit: 'country_not_allowed' })).toBe(1);
    expect(sample(e, 'mfa_radius_sms_refused_total', { limit: 'other' })).toBe(1);
    expect(sample(e, 'mfa_radius_sms_failed_total', { cause: 'network' })).toBe(1);
    expect(samples(e, 'mfa_radius_sms_sent_total')).toHaveLength(1);
  });
});

describe('PromMetrics: values read at scrape time', () => {
  it('server and accounting counters, gauges, upstream health and the directory', async () => {
    let pending = 4;
    let up = true;
    const m = new PromMetrics(
      {
        server: () => ({
          received: 10,
          access_accept: 3,
          access_reject: 2,
          access_challenge: 1,
          status_server: 2,
          duplicate_in_flight: 1,
          duplicate_replayed: 2,
          handler_errors: 1,
        }),
        accounting: () => ({ received: 7, answered: 6, status_server: 1, forwarded: 5, not_recorded: 1 }),
        pendingChallenges: () => pending,
        oobWaits: () => 9,
        upstream: () => ({
          counters: { sent: 12, timeouts: 1 },
          health: {
            auth: [
              { server: '127.0.0.1:1812', alive: true, outstanding: 2 },
              { server: '127.0.0.2:1812', alive: false, outstanding: 0 },
            ],
            acct: [],
          },
        }),
        directory: async () => ({ type: 'radius', up }),
      },
      { processMetrics: false },
    );
    let e = await scrape(m);
    expect(sample(e, 'mfa_radius_packets_received_total', { port: 'auth' })).toBe(10);
    expect(sample(e, 'mfa_radius_packets_received_total', { port: 'acct' })).toBe(7);
    expect(sample(e, 'mfa_radius_packets_answered_total', { port: 'auth', type: 'access_reject' })).toBe(2);
    expect(sample(e, 'mfa_radius_packets_answered_total', { port: 'auth', type: 'status_server' })).toBe(2);
    expect(
      sample(e, 'mfa_radius_packets_answered_total', { port: 'acct', type: 'accounting_response' }),
    ).toBe(5);
    expect(sample(e, 'mfa_radius_duplicates_total', { port: 'auth', kind: 'replayed' })).toBe(2);
    expect(sample(e, 'mfa_radius_handler_errors_total')).toBe(1);
    expect(sample(e, 'mfa_radius_accounting_records_total', { outcome: 'forwarded' })).toBe(5);
    expect(sample(e, 'mfa_radius_accounting_records_total', { outcome: 'recorded_locally' })).toBe(0);
    expect(sample(e, 'mfa_radius_pending_challenges')).toBe(4);
    expect(sample(e, 'mfa_radius_oob_waits')).toBe(9);
    expect(sample(e, 'mfa_radius_upstream_up', { role: 'auth', server: '127.0.0.2:1812' })).toBe(0);
    expect(sample(e, 'mfa_radius_upstream_up', { role: 'auth', server: '127.0.0.1:1812' })).toBe(1);
    expect(sample(e, 'mfa_radius_upstream_outstanding', { role: 'auth', server: '127.0.0.1:1812' })).toBe(2);
    expect(sample(e, 'mfa_radius_upstream_events_total', { event: 'sent' })).toBe(12);
    expect(sample(e, 'mfa_radius_directory_up', { type: 'radius' })).toBe(1);
    pending = 1;
    up = false;
    e = await scrape(m);
    expect(sample(e, 'mfa_radius_pending_challenges')).toBe(1);
    expect(sample(e, 'mfa_radius_directory_up', { type: 'radius' })).toBe(0);
  });

  it('a source that is absent shows no metric (no upstream without directory `radius`)', async () => {
    const m = new PromMetrics({ upstream: () => undefined }, { processMetrics: false });
    const e = await scrape(m);
    expect(samples(e, 'mfa_radius_upstream_up')).toEqual([]);
    expect(e.types.has('mfa_radius_pending_challenges')).toBe(false);
  });
});
