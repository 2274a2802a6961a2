import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import smpp from 'smpp';

/**
 * The SMS side of the sms bench, in the bench process (loopback only): a Twilio-shaped HTTPS
 * Messages API and an SMSC on smpp.createServer. Each keeps the last code sent to each number, so
 * the load generator can type it (one-way) or reply with it (two-way). The few lines are copied
 * from test/helpers/sms-api-server.ts and smpp-test-server.ts: bench scripts do not import tests.
 */

/** A self-signed certificate for 127.0.0.1 (also its own CA file, for the provider's ca_file). */
export function makeBenchCert(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'sms-cert.pem');
  const keyFile = join(dir, 'sms-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certFile, keyFile };
}

const codeIn = (text: string): string | undefined => /\d{6,8}/.exec(text)?.[0];

/** Twilio's Messages API as its docs describe it: Basic auth SID:token, form To/From/Body, 201. */
export class FakeTwilio {
  /** E.164 number → the code in the last message sent to it. */
  readonly codes = new Map<string, string>();
  sent = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(opts: {
    certFile: string;
    keyFile: string;
    accountSid: string;
    authToken: string;
  }): Promise<FakeTwilio> {
    const expected = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    const path = `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`;
    let self: FakeTwilio | undefined;
    const server = createServer(
      { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const reply = (status: number, body: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(body));
          };
          if (req.method !== 'POST' || req.url !== path) return reply(404, { code: 20404, status: 404 });
          if (req.headers.authorization !== expected) return reply(401, { code: 20003, status: 401 });
          const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          const to = form.get('To') ?? '';
          const code = codeIn(form.get('Body') ?? '');
          if (!/^\+[1-9]\d{6,14}$/.test(to) || !code) return reply(400, { code: 21211, status: 400 });
          self!.codes.set(to, code);
          self!.sent++;
          reply(201, { sid: `SM${String(self!.sent).padStart(32, '0')}`, to, status: 'queued' });
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    self = new FakeTwilio(server, addr.port);
    server.on('secureConnection', (s: Socket) => {
      self!.sockets.add(s);
      s.on('close', () => self!.sockets.delete(s));
    });
    return self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const pduText = (field: unknown): string => {
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  if (field && typeof field === 'object' && 'message' in field)
    return String((field as { message: unknown }).message);
  return '';
};

/** An SMSC: bind_transceiver, submit_sm → submit_sm_resp, enquire_link, deliver_sm to the client. */
export class FakeSmsc {
  /** Destination (digits, no '+') → the code in the last submit_sm to it. */
  readonly codes = new Map<string, string>();
  submits = 0;
  private session: smpp.Session | undefined;
  private nextId = 1;

  private constructor(
    private readonly server: smpp.Server,
    readonly port: number,
  ) {}

  static async start(opts: { systemId: string; password: string }): Promise<FakeSmsc> {
    let self: FakeSmsc | undefined;
    const server = smpp.createServer({}, (session) => {
      session.on('error', () => {});
      session.on('bind_transceiver', (pdu: smpp.PDU) => {
        if (pdu.system_id !== opts.systemId || pdu.password !== opts.password) {
          session.send(pdu.response({ command_status: smpp.errors.ESME_RBINDFAIL }));
          session.close();
          return;
        }
        self!.session = session;
        session.send(pdu.response({ system_id: 'bench-smsc' }));
      });
      session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
      session.on('submit_sm', (pdu: smpp.PDU) => {
        const code = codeIn(pduText(pdu.message_payload) || pduText(pdu.short_message));
        if (code) self!.codes.set(String(pdu.destination_addr), code);
        self!.submits++;
        session.send(pdu.response({ message_id: `msg-${self!.nextId++}` }));
      });
      session.on('unbind', (pdu: smpp.PDU) => {
        session.send(pdu.response());
        session.close();
      });
    });
    server.on('error', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    self = new FakeSmsc(server, addr.port);
    return self;
  }

  get bound(): boolean {
    return this.session !== undefined;
  }

  /** The phone `from` (digits) replies `text` (a mobile-originated deliver_sm); resolves on the resp. */
  deliver(from: string, to: string, text: string): Promise<void> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('no bound client'));
    return new Promise((resolve) =>
      session.deliver_sm(
        {
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: from,
          destination_addr: to,
          esm_class: 0,
          short_message: text,
        },
        () => resolve(),
      ),
    );
  }

  async close(): Promise<void> {
    for (const s of [...this.server.sessions]) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
