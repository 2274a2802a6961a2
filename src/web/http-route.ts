import type { IncomingHttpHeaders } from 'node:http';

/**
 * A route as the HTTPS listener mounts it, without the framework: the listener parses the body
 * (only the content type the route names) and hands over plain data; the route answers plain data.
 * So the portal, the admin pages and the webhooks are testable as functions, and fastify stays in
 * one file.
 */
export interface HttpRequestInfo {
  readonly method: 'GET' | 'POST';
  /** The path as requested, without the query. */
  readonly path: string;
  /** The raw query string with its leading `?`, or ''. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  /** A POST's body as text; '' for a GET. */
  readonly body: string;
  /** The peer's address (the TCP source; no proxy headers are trusted). */
  readonly src: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  /** Extra response headers: Set-Cookie (several allowed), Location, Cache-Control, ... */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * Which listener serves a route: `public` on `http.listen` (the self-service portal, webhooks: may
 * face the internet), `admin` on `http.admin_listen` when that is set (admin pages, /metrics and the
 * probes stay on the management network), else on `http.listen` as well.
 */
export type RouteSurface = 'public' | 'admin';

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** A literal path (no parameters): variable parts go in the query or the form. */
  readonly path: string;
  /** POST only, and required there: the one body type accepted (anything else: 415). */
  readonly contentType?: 'application/x-www-form-urlencoded';
  /** Default `public`. */
  readonly surface?: RouteSurface;
  /** Bytes; a larger body gets 413. Default: the listener's (16 KiB). */
  readonly bodyLimit?: number;
  handle(req: HttpRequestInfo): HttpAnswer | Promise<HttpAnswer>;
}
