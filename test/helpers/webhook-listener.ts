import { createServer, type Server } from 'node:https';
import { request } from 'node:https';
import type { TestPki } from './test-pki.js';

/**
 * A tiny HTTPS listener that hands each request (its URL, headers and raw body) to a handler, as
 * the lead's portal will mount the Twilio inbound webhook; plus a client to POST to it.
 */
export interface WebhookRequest {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly rawBody: string;
}
export interface WebhookReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export class WebhookListener {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(pki: TestPki, handle: (req: WebhookRequest) => WebhookReply): Promise<WebhookListener> {
    const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = handle({
          path: req.url ?? '/',
          headers: req.headers,
          rawBody: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(reply.status, { 'content-type': reply.contentType });
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    return new WebhookListener(server, addr.port);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** POSTs a form over HTTPS, trusting only the test CA. */
export function postForm(
  url: string,
  body: string,
  headers: Record<string, string>,
  ca: string,
): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type']),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
