import type { IncomingHttpHeaders } from 'node:http';

/**
 * A route as the HTTPS listener mounts it, without the framework: the listener parses the body
 * (only the content type the route names) and hands over plain data; the route answers plain data.
 */
export interface HttpRequestInfo {
  /** The path as requested, without the query. */
  readonly path: string;
  /** The raw query string with its leading `?`, or ''. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The peer's address (the TCP source; no proxy headers are trusted). */
  readonly src: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface HttpRoute {
  readonly method: 'POST';
  readonly path: string;
  /** The only request body type accepted (anything else: 415). */
  readonly contentType: 'application/x-www-form-urlencoded';
  handle(req: HttpRequestInfo): HttpAnswer;
}
