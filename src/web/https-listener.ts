import { STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import { isIPv6 } from 'node:net';
import { fastify, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { HttpRoute } from './http-route.js';

/**
 * The one HTTPS listener (issue 10; the web portal will live on it too), the only importer of
 * fastify. Strict by construction: only the routes given, each taking only its own content type,
 * a small body limit, no framework messages or stack traces to clients (a short status line
 * instead), request logging at debug without bodies or query strings (a reply SMS carries a code).
 * fastify routes the requests; the node:https servers, one per listen address, are ours, so every
 * address gets the same routes and close() stops them all.
 */

export interface HttpLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface HttpsListenerOptions {
  readonly listen: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  readonly cert: string;
  readonly key: string;
  readonly routes: readonly HttpRoute[];
  readonly log: HttpLog;
  /** Bytes; a larger body gets 413 before it is read to the end. Default 16 KiB. */
  readonly bodyLimit?: number;
  /** Added to the `http_listening` line (the certificate's fingerprint). */
  readonly logFields?: Readonly<Record<string, unknown>>;
  /** The config key named in a bind error. Default `http.listen`. */
  readonly listenKey?: string;
  /** How long close() lets requests in flight finish before their connections are cut. */
  readonly closeGraceMs?: number;
}

export interface HttpsListener {
  /** Where it listens (the bound ports, so port 0 works in tests). */
  readonly addresses: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';

const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  [
    'content-security-policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  ],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['x-frame-options', 'DENY'],
  ['strict-transport-security', 'max-age=31536000'],
];
const statusLine = (status: number): string => `${status} ${STATUS_CODES[status] ?? 'Error'}\n`;

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

export async function startHttpsListener(opts: HttpsListenerOptions): Promise<HttpsListener> {
  const { log } = opts;
  const bodyLimit = opts.bodyLimit ?? 16 * 1024;
  const app = fastify({
    logger: false,
    bodyLimit,
    // No implicit HEAD routes: only what a route declares is served.
    exposeHeadRoutes: false,
    // A client's X-Request-Id is not trusted as ours.
    requestIdHeader: false,
    // Bad URLs, bad headers and the like: the same short answer as every other error.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      log.debug({ event: 'http_request', code: err.code, status: 400 }, 'refused a malformed request');
      void reply.code(400).type(TEXT).send(statusLine(400));
    },
  });

  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    log.debug(
      {
        event: 'http_request',
        method: req.method,
        path: pathOf(req.url),
        status: reply.statusCode,
        src: req.socket.remoteAddress,
        ms: Math.round(reply.elapsedTime),
      },
      'http request',
    );
    done();
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type(TEXT).send(statusLine(404));
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const code = err.statusCode;
    const status = typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
    if (status === 500)
      log.error(
        {
          event: 'http_error',
          method: req.method,
          path: pathOf(req.url),
          code: err.code,
          error: String(err.message).slice(0, 200),
        },
        'an HTTPS request failed',
      );
    void reply.code(status).type(TEXT).send(statusLine(status));
  });

  // Every answer carries the same protective headers; pages bring their CSS and scripts as routes
  // of their own, so the CSP needs no 'unsafe-inline' (OWASP ASVS V14.4).
  app.addHook('onSend', (_req, reply, payload, done) => {
    for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  // No JSON or text parsers: each POST route brings the one body type it takes (fastify answers 415
  // to any other), inside its own encapsulated context so no other route accepts it.
  app.removeAllContentTypeParsers();
  for (const route of opts.routes) {
    if (route.method === 'POST' && route.contentType === undefined)
      throw new Error(`route POST ${route.path}: a POST route must name its content type`);
    await app.register(async (scope) => {
      if (route.contentType !== undefined)
        scope.addContentTypeParser(route.contentType, { parseAs: 'string' }, (_req, body, done) => {
          done(null, body);
        });
      scope.route({
        method: route.method,
        url: route.path,
        bodyLimit: route.bodyLimit ?? bodyLimit,
        handler: async (req, reply) => {
          const q = req.url.indexOf('?');
          const answer = await route.handle({
            method: route.method,
            path: pathOf(req.url),
            query: q < 0 ? '' : req.url.slice(q),
            headers: req.headers,
            body: typeof req.body === 'string' ? req.body : '',
            src: req.socket.remoteAddress ?? '',
          });
          if (answer.headers)
            for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
          return reply.code(answer.status).type(answer.contentType).send(answer.body);
        },
      });
    });
  }
  await app.ready();

  const servers: Server[] = [];
  const addresses: Array<{ address: string; port: number }> = [];
  const closeServers = (): Promise<void> =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((done) => {
            const cut = setTimeout(() => s.closeAllConnections(), opts.closeGraceMs ?? 2000);
            cut.unref();
            s.close(() => {
              clearTimeout(cut);
              done();
            });
            s.closeIdleConnections();
          }),
      ),
    ).then(() => undefined);

  try {
    for (const [i, l] of opts.listen.entries()) {
      const server = createServer(
        {
          cert: opts.cert,
          key: opts.key,
          minVersion: 'TLSv1.2',
          // Slow-loris bounds: headers within 10 s, the whole request within 15 s.
          headersTimeout: 10_000,
          requestTimeout: 15_000,
          keepAliveTimeout: 5_000,
          maxHeaderSize: 16 * 1024,
        },
        app.routing,
      );
      server.maxHeadersCount = 64;
      await listenOn(server, l.address, l.port, `${opts.listenKey ?? 'http.listen'}[${i}]`);
      servers.push(server);
      server.on('error', (e) =>
        log.error({ event: 'http_error', error: String(e).slice(0, 200) }, 'HTTPS listener error'),
      );
      const bound = server.address();
      addresses.push({ address: l.address, port: typeof bound === 'object' && bound ? bound.port : l.port });
    }
  } catch (e) {
    await closeServers();
    await app.close();
    throw e;
  }
  log.info(
    {
      event: 'http_listening',
      listen: addresses.map((a) =>
        isIPv6(a.address) ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
      ),
      routes: opts.routes.map((r) => `${r.method} ${r.path}`),
      ...opts.logFields,
    },
    'HTTPS listener started',
  );

  return {
    addresses,
    async close() {
      await closeServers();
      await app.close();
    },
  };
}

function listenOn(server: Server, address: string, port: number, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      const code = (e as NodeJS.ErrnoException).code;
      const hint =
        code === 'EADDRINUSE'
          ? 'another process already listens there'
          : code === 'EACCES'
            ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE'
            : code === 'EADDRNOTAVAIL'
              ? `this machine has no such address; check ${key}.address`
              : String(e);
      reject(
        new AppError(
          ErrorCodes.LISTEN,
          `${key}: cannot listen on ${address} port ${port} (TCP, HTTPS): ${hint}`,
          { key, address, port },
          { cause: e },
        ),
      );
    };
    server.once('error', onError);
    server.listen(
      { host: address, port, exclusive: true, ...(isIPv6(address) ? { ipv6Only: true } : {}) },
      () => {
        server.off('error', onError);
        resolve();
      },
    );
  });
}
