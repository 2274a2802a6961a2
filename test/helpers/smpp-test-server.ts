import smpp from 'smpp';
import type { TestPki } from './test-pki.js';

/**
 * An SMSC on loopback built on smpp.createServer: accepts bind_transceiver (checks system_id and
 * password), answers submit_sm with submit_sm_resp and a message id (or a chosen status), answers
 * enquire_link, and sends deliver_sm (replies, receipts) to the bound client, waiting for the
 * deliver_sm_resp. Can stop and start again on the same port (an SMSC restart).
 */
export interface Submitted {
  readonly at: number;
  readonly destination: string;
  readonly source: string;
  readonly sourceTon: number;
  readonly text: string;
  readonly registeredDelivery: number;
}

export interface SmppServerOptions {
  readonly systemId: string;
  readonly password: string;
  readonly tls?: TestPki;
  /** command_status for submit_sm_resp (0 = accepted). */
  submitStatus?: number;
  /** Never answer submit_sm (submit timeout tests). */
  silent?: boolean;
  /** Never answer enquire_link (a hung SMSC or a dead NAT mapping). */
  ignoreEnquireLink?: boolean;
}

const text = (field: unknown): string => {
  if (typeof field === 'string') return field;
  if (field && typeof field === 'object' && 'message' in field)
    return String((field as { message: unknown }).message);
  return '';
};

export class SmppTestServer {
  readonly submits: Submitted[] = [];
  binds = 0;
  enquireLinks = 0;
  private server: smpp.Server | undefined;
  private bound: smpp.Session[] = [];
  private nextId = 1;

  private constructor(
    readonly opts: SmppServerOptions,
    public port: number,
  ) {}

  static async start(opts: SmppServerOptions, port = 0): Promise<SmppTestServer> {
    const s = new SmppTestServer(opts, port);
    await s.listen();
    return s;
  }

  async listen(): Promise<void> {
    const server = smpp.createServer(
      this.opts.tls ? { cert: this.opts.tls.certPem, key: this.opts.tls.keyPem } : {},
      (session) => this.onSession(session),
    );
    server.on('error', () => {});
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', () => r()));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    this.port = addr.port;
    this.server = server;
  }

  private onSession(session: smpp.Session): void {
    session.on('error', () => {});
    session.on('close', () => {
      this.bound = this.bound.filter((b) => b !== session);
    });
    session.on('bind_transceiver', (pdu: smpp.PDU) => {
      if (pdu.system_id !== this.opts.systemId || pdu.password !== this.opts.password) {
        session.send(pdu.response({ command_status: smpp.errors.ESME_RBINDFAIL }));
        session.close();
        return;
      }
      this.binds++;
      this.bound.push(session);
      session.send(pdu.response({ system_id: 'test-smsc' }));
    });
    session.on('enquire_link', (pdu: smpp.PDU) => {
      this.enquireLinks++;
      if (!this.opts.ignoreEnquireLink) session.send(pdu.response());
    });
    session.on('submit_sm', (pdu: smpp.PDU) => {
      this.submits.push({
        at: Date.now(),
        destination: String(pdu.destination_addr),
        source: String(pdu.source_addr),
        sourceTon: Number(pdu.source_addr_ton),
        text: text(pdu.message_payload) || text(pdu.short_message),
        registeredDelivery: Number(pdu.registered_delivery),
      });
      if (this.opts.silent) return;
      const status = this.opts.submitStatus ?? 0;
      session.send(
        status === 0
          ? pdu.response({ message_id: `msg-${this.nextId++}` })
          : pdu.response({ command_status: status }),
      );
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
  }

  get boundSessions(): number {
    return this.bound.length;
  }

  /** Sends a deliver_sm to the bound client; resolves with the client's deliver_sm_resp. */
  deliver(fields: smpp.PduFields): Promise<smpp.PDU> {
    const session = this.bound[0];
    if (!session) return Promise.reject(new Error('no bound client'));
    return new Promise((resolve) => session.deliver_sm(fields, (resp) => resolve(resp)));
  }

  /** The SMSC probes the client (§4.11); resolves with the client's enquire_link_resp. */
  enquire(): Promise<smpp.PDU> {
    const session = this.bound[0];
    if (!session) return Promise.reject(new Error('no bound client'));
    return new Promise((resolve) => session.enquire_link({}, (resp) => resolve(resp)));
  }

  async waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > until) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stops listening and drops every session (the SMSC goes away). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of [...server.sessions]) s.destroy();
    this.bound = [];
    await new Promise<void>((r) => server.close(() => r()));
  }
}
