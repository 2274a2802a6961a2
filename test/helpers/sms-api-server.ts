import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TestPki } from './test-pki.js';

/**
 * HTTPS servers on loopback that speak SMS providers' APIs as their docs describe them (Twilio
 * Messages, Vonage SMS, MessageBird, SMSEagle v2), recording every request, plus a generic one
 * whose answer the test chooses (including "hold": never answer, for timeouts).
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

export type Reply =
  | { readonly status: number; readonly body: string; readonly contentType?: string }
  | 'hold';
export type Handler = (req: RecordedRequest) => Reply;

export class SmsApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  handler: Handler;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    handler: Handler,
  ) {
    this.handler = handler;
  }

  static async start(pki: TestPki, handler: Handler, host = '127.0.0.1'): Promise<SmsApiServer> {
    let self: SmsApiServer | undefined;
    const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) =>
      self!.onRequest(req, res),
    );
    await new Promise<void>((r) => server.listen(0, host, () => r()));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    self = new SmsApiServer(server, addr.port, handler);
    server.on('secureConnection', (s: Socket) => {
      self!.sockets.add(s);
      s.on('close', () => self!.sockets.delete(s));
    });
    return self;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      this.requests.push(rec);
      const reply = this.handler(rec);
      if (reply === 'hold') return;
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
      res.end(reply.body);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });
const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Twilio Messages API: Basic auth SID:token, form To/From/Body; 201 with the Message resource. */
export function twilioApi(opts: { accountSid: string; authToken: string }): Handler {
  let n = 0;
  return (req) => {
    if (req.method !== 'POST' || req.path !== `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`) {
      return json(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    const expected = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    if (!same(req.headers.authorization ?? '', expected)) {
      return json(401, { code: 20003, message: 'Authenticate', status: 401 });
    }
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return json(400, { code: 20001, message: 'form body expected', status: 400 });
    }
    const form = new URLSearchParams(req.body);
    const to = form.get('To');
    if (!to || !/^\+[1-9]\d{6,14}$/.test(to)) {
      return json(400, {
        code: 21211,
        message: `The 'To' number ${to ?? ''} is not a valid phone number.`,
        status: 400,
      });
    }
    if (!form.get('From') && !form.get('MessagingServiceSid')) {
      return json(400, { code: 21603, message: "The 'From' number is required.", status: 400 });
    }
    if (!form.get('Body'))
      return json(400, { code: 21602, message: 'Message body is required.', status: 400 });
    n++;
    const sid = `SM${String(n).padStart(32, '0')}`;
    return json(201, {
      sid,
      account_sid: opts.accountSid,
      to,
      from: form.get('From'),
      body: form.get('Body'),
      status: 'queued',
    });
  };
}

/** Vonage SMS API: HTTP 200 always; messages[0].status "0" is success, anything else a failure. */
export function vonageApi(opts: { apiKey: string; apiSecret: string; failStatus?: string }): Handler {
  return (req) => {
    if (req.method !== 'POST' || req.path !== '/sms/json') return json(404, { error: 'not found' });
    const form = new URLSearchParams(req.body);
    const to = form.get('to') ?? '';
    if (opts.failStatus !== undefined) {
      return json(200, {
        'message-count': '1',
        messages: [{ to, status: opts.failStatus, 'error-text': `Missing to [${to}]` }],
      });
    }
    if (form.get('api_key') !== opts.apiKey || form.get('api_secret') !== opts.apiSecret) {
      return json(200, {
        'message-count': '1',
        messages: [{ status: '4', 'error-text': 'Bad Credentials' }],
      });
    }
    if (!/^[1-9]\d{6,14}$/.test(to) || !form.get('text') || !form.get('from')) {
      return json(200, { 'message-count': '1', messages: [{ status: '2', 'error-text': 'Missing params' }] });
    }
    return json(200, {
      'message-count': '1',
      messages: [{ to, 'message-id': '0A0000000123ABCD1', status: '0' }],
    });
  };
}

/** MessageBird REST API: `Authorization: AccessKey ...`, JSON originator/recipients/body; 201. */
export function messageBirdApi(opts: { accessKey: string }): Handler {
  return (req) => {
    if (req.method !== 'POST' || req.path !== '/messages') return json(404, { errors: [{ code: 20 }] });
    if (!same(req.headers.authorization ?? '', `AccessKey ${opts.accessKey}`)) {
      return json(401, { errors: [{ code: 2, description: 'Request not allowed (incorrect access_key)' }] });
    }
    let body: { originator?: unknown; recipients?: unknown; body?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return json(422, { errors: [{ code: 9, description: 'invalid JSON' }] });
    }
    if (
      typeof body.originator !== 'string' ||
      !Array.isArray(body.recipients) ||
      typeof body.body !== 'string'
    ) {
      return json(422, { errors: [{ code: 9, description: 'no (correct) recipients found' }] });
    }
    return json(201, {
      id: 'e8077d803532c0b5937c639b60216938',
      body: body.body,
      recipients: { totalCount: body.recipients.length },
    });
  };
}

/** SMSEagle HTTP API v2: `access-token` header, JSON to[]/text; one result per recipient. */
export function smsEagleApi(opts: { accessToken: string }): Handler {
  return (req) => {
    if (req.method !== 'POST' || req.path !== '/api/v2/messages/sms')
      return json(404, { message: 'not found' });
    if (!same(String(req.headers['access-token'] ?? ''), opts.accessToken))
      return json(401, { message: 'Unauthorized' });
    const body = JSON.parse(req.body) as { to?: unknown; text?: unknown };
    if (!Array.isArray(body.to) || typeof body.text !== 'string')
      return json(400, { message: 'bad request' });
    return json(
      200,
      body.to.map((n, i) => ({ status: 'queued', message: body.text, number: n, id: 654 + i })),
    );
  };
}
