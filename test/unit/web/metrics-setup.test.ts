import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDirectory } from '../../../src/local/local-directory.js';
import { Counters } from '../../../src/server/counters.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import type { HttpRequestInfo } from '../../../src/web/http-route.js';
import { httpSchema } from '../../../src/web/http-schema.js';
import { type MetricsDeps, setupMetrics } from '../../../src/web/metrics/metrics-setup.js';
import { parseExposition, sample } from '../../helpers/prom-text.js';

const dir = mkdtempSync(join(tmpdir(), 'metrics-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (path: string, headers: HttpRequestInfo['headers'] = {}): HttpRequestInfo => ({
  method: 'GET',
  path,
  query: '',
  headers,
  body: '',
  src: '127.0.0.1',
});

function deps(over: Partial<MetricsDeps> = {}): MetricsDeps {
  const primary = new LocalDirectory({} as never);
  return {
    clock: new ManualClock(0),
    counters: new Counters(),
    challenges: { size: 2 },
    oobWaits: { size: 0 },
    storeRead: () => 1,
    primary: () => primary,
    accounting: () => undefined,
    listeners: () => ({ bound: 1, wanted: 1 }),
    http: undefined,
    configFile: join(dir, 'config.yaml'),
    ...over,
  };
}

const withToken = (file: string) =>
  httpSchema.parse({ listen: [{ address: '127.0.0.1' }], metrics_token_file: file });

describe('setupMetrics', () => {
  it('the server counters and the observer feed the same /metrics', async () => {
    const d = deps();
    const w = setupMetrics(d);
    d.counters.inc('received', 2);
    d.counters.inc('access_accept');
    w.observer.onAuth({
      at: 0,
      result: 'accept',
      reason: 'mfa_ok',
      client: 'vpn',
      correlationId: 'c',
      latencyMs: 3,
      src: '127.0.0.1:1',
    });
    const route = w.routes.find((r) => r.path === '/metrics')!;
    const e = parseExposition(String((await route.handle(get('/metrics'))).body));
    expect(sample(e, 'mfa_radius_packets_received_total', { port: 'auth' })).toBe(2);
    expect(
      sample(e, 'mfa_radius_requests_total', { client: 'vpn', result: 'accept', reason: 'mfa_ok' }),
    ).toBe(1);
    expect(sample(e, 'mfa_radius_pending_challenges')).toBe(2);
    expect(sample(e, 'mfa_radius_directory_up', { type: 'local' })).toBe(1);
  });

  it('/readyz names a store that cannot be read and listeners not all bound', async () => {
    const w = setupMetrics(
      deps({
        storeRead: () => {
          throw new TypeError('The database connection is not open');
        },
        listeners: () => ({ bound: 1, wanted: 2 }),
      }),
    );
    const a = await w.routes.find((r) => r.path === '/readyz')!.handle(get('/readyz'));
    expect(a.status).toBe(503);
    expect(a.body).toBe(
      'not ready\nradius: 1 of 2 listeners bound\nstore: The database connection is not open\n',
    );
  });

  it('http.metrics_token_file: the token, read relative to the config file, guards /metrics', async () => {
    writeFileSync(join(dir, 'token'), 'a-long-enough-token-7781\n');
    const w = setupMetrics(deps({ http: withToken('token') }));
    const route = w.routes.find((r) => r.path === '/metrics')!;
    expect((await route.handle(get('/metrics'))).status).toBe(401);
    expect(
      (await route.handle(get('/metrics', { authorization: 'Bearer a-long-enough-token-7781' }))).status,
    ).toBe(200);
  });

  it('a missing token file stops the start naming the config file, the key and the fix', () => {
    expect(() => setupMetrics(deps({ http: withToken('no-such-token') }))).toThrow(
      /config\.yaml: http\.metrics_token_file: cannot read .*no-such-token \(ENOENT\): create the file or fix the path/,
    );
  });

  it.each([
    ['empty', ''],
    ['short', 'abc123'],
    ['two words', 'first-half-of-it second-half-of-it'],
  ])('a token file that is %s is refused (MFA_ERR_CONFIG_INVALID, naming the key)', (_what, text) => {
    writeFileSync(join(dir, 'bad-token'), text);
    let thrown: unknown;
    try {
      setupMetrics(deps({ http: withToken('bad-token') }));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe(ErrorCodes.CONFIG_INVALID);
    expect((thrown as AppError).message).toMatch(
      /config\.yaml: http\.metrics_token_file: bad-token must hold one token of at least 16 characters without spaces/,
    );
  });
});
