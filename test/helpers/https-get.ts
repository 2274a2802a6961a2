import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request } from 'node:https';

export interface GetReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTPS GET to 127.0.0.1 that trusts only `ca` (the test PKI's CA). */
export function httpsGet(
  port: number,
  path: string,
  opts: { readonly ca: string; readonly headers?: Record<string, string> },
): Promise<GetReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', ca: opts.ca, headers: opts.headers ?? {} },
      (res) => collect(res, resolve),
    );
    req.on('error', reject);
    req.end();
  });
}

/** One plain HTTP GET to 127.0.0.1 (Prometheus's own API in the tests). */
export function httpGet(port: number, path: string): Promise<GetReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => collect(res, resolve));
    req.on('error', reject);
    req.end();
  });
}

function collect(res: import('node:http').IncomingMessage, resolve: (r: GetReply) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    body += d;
  });
  res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
}
