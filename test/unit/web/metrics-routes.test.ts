import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { HttpRequestInfo, HttpRoute } from '../../../src/web/http-route.js';
import { BearerToken } from '../../../src/web/metrics/bearer-token.js';
import { metricsRoutes } from '../../../src/web/metrics/metrics-routes.js';
import { type Probe, Readiness } from '../../../src/web/metrics/readiness.js';

const get = (path: string, headers: HttpRequestInfo['headers'] = {}): HttpRequestInfo => ({
  method: 'GET',
  path,
  query: '',
  headers,
  body: '',
  src: '127.0.0.1',
});

const ok: Probe = { ok: true };

function fixture(over: { directory?: () => Probe | Promise<Probe>; store?: () => Probe } = {}) {
  const clock = new ManualClock(1_000_000);
  let probes = 0;
  const readiness = new Readiness(
    {
      listening: () => ok,
      store: over.store ?? (() => ok),
      directory: () => {
        probes++;
        return over.directory ? over.directory() : ok;
      },
    },
    { clock, cacheMs: 5000 },
  );
  return { clock, readiness, probes: () => probes };
}

const route = (routes: HttpRoute[], path: string) => routes.find((r) => r.path === path)!;
const metrics = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  render: async () => 'mfa_radius_x 1\n',
};

describe('/healthz, /readyz, /metrics routes', () => {
  it('all three are GET routes on the admin surface', () => {
    const routes = metricsRoutes({ metrics, readiness: fixture().readiness });
    expect(routes.map((r) => [r.method, r.path, r.surface])).toEqual([
      ['GET', '/metrics', 'admin'],
      ['GET', '/healthz', 'admin'],
      ['GET', '/readyz', 'admin'],
    ]);
  });

  it('/healthz answers 200 ok; /metrics the exposition with its content type', async () => {
    const routes = metricsRoutes({ metrics, readiness: fixture().readiness });
    expect(await route(routes, '/healthz').handle(get('/healthz'))).toMatchObject({
      status: 200,
      body: 'ok\n',
    });
    expect(await route(routes, '/metrics').handle(get('/metrics'))).toEqual({
      status: 200,
      contentType: metrics.contentType,
      body: 'mfa_radius_x 1\n',
    });
  });

  it('/readyz: 200 when every check passes, else 503 with a short list of what is not ready', async () => {
    let dir: Probe = ok;
    const f = fixture({
      directory: () => dir,
      store: () => {
        throw new Error('The database connection is not open');
      },
    });
    const readyz = route(metricsRoutes({ metrics, readiness: f.readiness }), '/readyz');
    const a = await readyz.handle(get('/readyz'));
    expect(a.status).toBe(503);
    expect(a.contentType).toMatch(/^text\/plain/);
    expect(a.body).toBe('not ready\nstore: The database connection is not open\n');
    dir = { ok: false, detail: 'ldap unreachable (connect ECONNREFUSED 127.0.0.1:389)' };
    f.clock.advance(5000);
    expect((await readyz.handle(get('/readyz'))).body).toBe(
      'not ready\nstore: The database connection is not open\ndirectory: ldap unreachable (connect ECONNREFUSED 127.0.0.1:389)\n',
    );
  });

  it('all ready: 200 ready', async () => {
    const readyz = route(metricsRoutes({ metrics, readiness: fixture().readiness }), '/readyz');
    expect(await readyz.handle(get('/readyz'))).toMatchObject({ status: 200, body: 'ready\n' });
  });
});

describe('Readiness: the directory is probed at most once per cache period', () => {
  it('repeated checks within cacheMs reuse the result; after it, one new probe', async () => {
    const f = fixture();
    for (let i = 0; i < 10; i++) await f.readiness.check();
    expect(f.probes()).toBe(1);
    f.clock.advance(4999);
    await f.readiness.check();
    expect(f.probes()).toBe(1);
    f.clock.advance(1);
    await f.readiness.check();
    await f.readiness.check();
    expect(f.probes()).toBe(2);
  });

  it('concurrent checks share the one probe in flight', async () => {
    let release: (p: Probe) => void = () => {};
    const f = fixture({ directory: () => new Promise<Probe>((r) => (release = r)) });
    const all = Promise.all([f.readiness.check(), f.readiness.check(), f.readiness.check()]);
    release({ ok: false, detail: 'down' });
    const reports = await all;
    expect(f.probes()).toBe(1);
    for (const r of reports) expect(r).toEqual({ ready: false, problems: ['directory: down'] });
  });

  it('a probe that throws is "not ready" with its message, not a 500', async () => {
    const f = fixture({
      directory: async () => {
        throw new Error('socket hang up');
      },
    });
    expect(await f.readiness.check()).toEqual({ ready: false, problems: ['directory: socket hang up'] });
  });

  it('a clock stepped back does not keep a stale result forever', async () => {
    const f = fixture();
    await f.readiness.check();
    f.clock.advance(-60_000);
    await f.readiness.check();
    expect(f.probes()).toBe(2);
  });
});

describe('/metrics with a bearer token (http.metrics_token_file)', () => {
  const token = new BearerToken('t0ken-for-prometheus-4a9c');
  const m = () => route(metricsRoutes({ metrics, readiness: fixture().readiness, token }), '/metrics');

  it('the right token: 200', async () => {
    const a = await m().handle(get('/metrics', { authorization: 'Bearer t0ken-for-prometheus-4a9c' }));
    expect(a.status).toBe(200);
  });

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer t0ken-for-prometheus-4a9d'],
    ['a prefix of it', 'Bearer t0ken'],
    ['Basic instead of Bearer', 'Basic dDBrZW4tZm9yLXByb21ldGhldXMtNGE5Yw=='],
    ['an empty bearer', 'Bearer '],
  ])('%s: 401 with a Bearer challenge and no metrics', async (_what, authorization) => {
    const a = await m().handle(get('/metrics', authorization === undefined ? {} : { authorization }));
    expect(a.status).toBe(401);
    expect(a.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="metrics"' });
    expect(a.body).not.toContain('mfa_radius');
  });

  it('/healthz and /readyz need no token (load balancers ask them)', async () => {
    const routes = metricsRoutes({ metrics, readiness: fixture().readiness, token });
    expect((await route(routes, '/healthz').handle(get('/healthz'))).status).toBe(200);
    expect((await route(routes, '/readyz').handle(get('/readyz'))).status).toBe(200);
  });
});
