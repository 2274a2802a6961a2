import type { HttpAnswer, HttpRoute } from '../http-route.js';
import type { BearerToken } from './bearer-token.js';
import type { Readiness } from './readiness.js';

/** What /metrics renders (PromMetrics, or anything with the same two members). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface MetricsRoutesOptions {
  readonly metrics: MetricsSource;
  readonly readiness: Readiness;
  /** When set (http.metrics_token_file), /metrics needs `Authorization: Bearer <token>`. */
  readonly token?: BearerToken;
}

const text = (status: number, body: string, headers?: HttpAnswer['headers']): HttpAnswer => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body,
  ...(headers ? { headers } : {}),
});

/**
 * GET /metrics, /healthz and /readyz, all on the admin surface (`http.admin_listen` when set, so
 * they can stay on the management network). /healthz and /readyz carry no data worth a token:
 * load balancers and orchestrators ask them without credentials.
 */
export function metricsRoutes(o: MetricsRoutesOptions): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      surface: 'admin',
      async handle(req) {
        // RFC 6750 §3: a missing or wrong token gets 401 with the challenge, and nothing else.
        if (o.token && !o.token.accepts(req.headers))
          return text(401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="metrics"' });
        return { status: 200, contentType: o.metrics.contentType, body: await o.metrics.render() };
      },
    },
    {
      method: 'GET',
      path: '/healthz',
      surface: 'admin',
      handle: () => text(200, 'ok\n'),
    },
    {
      method: 'GET',
      path: '/readyz',
      surface: 'admin',
      async handle() {
        const r = await o.readiness.check();
        return r.ready ? text(200, 'ready\n') : text(503, `not ready\n${r.problems.join('\n')}\n`);
      },
    },
  ];
}
