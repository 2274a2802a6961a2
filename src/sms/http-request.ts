import { type ClientRequest, request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { Clock } from '../shared/clock.js';
import type { Timers } from './sms-sender.js';

/**
 * One HTTP(S) exchange on node:http/node:https. Never `fetch`: under `node --jitless` (the
 * appliance) reading the fetch globals starts undici's WebAssembly parser and kills the process.
 */

export interface HttpCall {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type HttpOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'timeout' | 'network' | 'aborted'; readonly detail: string };

export interface HttpLimits {
  readonly timeoutMs: number;
  /** Clock ms; the smaller of this and timeoutMs wins. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
}

/** Answers beyond this are cut: a success check never needs more, and memory stays bounded. */
const MAX_BODY = 64 * 1024;

export class HttpClient {
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(
    private readonly https: boolean,
    /** PEM CA bundle: when set, only this CA is trusted (pinning), not the system store. */
    ca: string | undefined,
    private readonly clock: Clock,
    private readonly timers: Timers,
  ) {
    // keep-alive: the TLS handshake is the slowest part of sending an SMS.
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 16, ...(ca !== undefined ? { ca } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  }

  exchange(call: HttpCall, limits: HttpLimits): Promise<HttpOutcome> {
    const waitMs = Math.min(limits.timeoutMs, limits.deadline - this.clock.now());
    if (limits.signal?.aborted) return Promise.resolve({ kind: 'aborted', detail: 'aborted before sending' });
    if (waitMs <= 0) return Promise.resolve({ kind: 'timeout', detail: 'deadline passed before sending' });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (o: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        this.timers.clearTimeout(timer);
        limits.signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const headers: Record<string, string> = { ...call.headers };
      if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
      const send = this.https ? httpsRequest : httpRequest;
      let req: ClientRequest | undefined;
      const attempt = (retry: boolean): void => {
        let r: ClientRequest;
        try {
          r = send(call.url, { method: call.method, headers, agent: this.agent });
        } catch (e) {
          // Node refuses a request it cannot write (an invalid header value): a result, not a throw.
          finish({ kind: 'network', detail: describeNetworkError(e as NodeJS.ErrnoException) });
          return;
        }
        req = r;
        r.on('error', (e: NodeJS.ErrnoException) => {
          // A kept-alive socket the server closed as we reused it: the request never reached the
          // application (Node's docs for request.reusedSocket), so one retry on a new socket is safe.
          if (retry && !settled && r.reusedSocket && e.code === 'ECONNRESET') {
            attempt(false);
            return;
          }
          finish({ kind: 'network', detail: describeNetworkError(e) });
        });
        r.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
            size += c.length;
          });
          res.on('end', () =>
            finish({
              kind: 'response',
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (e: NodeJS.ErrnoException) =>
            finish({ kind: 'network', detail: describeNetworkError(e) }),
          );
        });
        r.end(call.body);
      };
      const timer = this.timers.setTimeout(() => {
        finish({ kind: 'timeout', detail: `no answer within ${waitMs} ms` });
        req?.destroy();
      }, waitMs);
      const onAbort = (): void => {
        finish({ kind: 'aborted', detail: 'aborted by the caller' });
        req?.destroy();
      };
      limits.signal?.addEventListener('abort', onAbort, { once: true });
      attempt(true);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The error code and Node's message; neither holds the request's content. */
function describeNetworkError(e: NodeJS.ErrnoException): string {
  const code = e.code ?? 'ERROR';
  return `${code}: ${e.message.replace(/\s+/g, ' ').slice(0, 160)}`;
}
