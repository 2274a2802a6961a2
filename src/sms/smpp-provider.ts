import smpp from 'smpp';
import type { Clock } from '../shared/clock.js';
import { maskPhone } from './mask.js';
import { classifyDeliverSm, type DeliverSmFields } from './smpp-deliver.js';
import { INTERFACE_VERSION_34, statusText, submitRespResult, submitSmFields } from './smpp-pdu.js';
import {
  type InboundSms,
  type SendOptions,
  type SendResult,
  type SmsLog,
  type SmsMessage,
  type SmsSender,
  type Timers,
  failed,
  silentLog,
  systemTimers,
} from './sms-sender.js';
import { sleep, TokenBucket } from './token-bucket.js';

/**
 * SMPP 3.4 transceiver (the only importer of `smpp`): one bind_transceiver session that submits
 * and receives deliver_sm (replies and receipts). The library has no reconnect, so this class owns
 * the session's life: connect → bind → enquire_link keep-alive → on loss, reconnect with backoff.
 */

export interface SmppSettings {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `ssmpp://`: TLS; `ca` pins the SMSC's CA. */
  readonly tls: boolean;
  readonly ca?: string;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly sourceAddr: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly registeredDelivery: boolean;
  /** Messages per second and the burst after a quiet spell. */
  readonly rate: number;
  readonly burst: number;
  readonly submitTimeoutMs: number;
  readonly bindTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
}

export interface SmppDeps {
  readonly clock: Clock;
  readonly timers?: Timers;
  readonly log?: SmsLog;
  /** A reply typed on a phone (two-way SMS). */
  readonly onInbound?: (sms: InboundSms) => void;
  /** Bound / lost, for health and counters. */
  readonly onState?: (state: SmppState) => void;
}

export type SmppState = 'connecting' | 'bound' | 'disconnected' | 'closed';

const statusNames: ReadonlyMap<number, string> = new Map(Object.entries(smpp.errors).map(([k, v]) => [v, k]));

interface InFlight {
  readonly settle: (r: SendResult) => void;
}

export class SmppProvider implements SmsSender {
  readonly name: string;
  private session: smpp.Session | undefined;
  private state: SmppState = 'disconnected';
  private closing = false;
  private attempts = 0;
  private reconnectTimer: unknown;
  private bindTimer: unknown;
  private enquireTimer: unknown;
  private enquireWait: unknown;
  private readonly inFlight = new Set<InFlight>();
  private readonly bucket: TokenBucket;
  private readonly timers: Timers;
  private readonly log: SmsLog;
  private boundWaiters: Array<() => void> = [];

  constructor(
    private readonly s: SmppSettings,
    private readonly deps: SmppDeps,
  ) {
    this.name = s.name;
    this.bucket = new TokenBucket(s.rate, s.burst);
    this.timers = deps.timers ?? systemTimers;
    this.log = deps.log ?? silentLog;
  }

  /** Connects and binds in the background; sends fail with not_connected until bound. */
  start(): void {
    if (this.closing || this.session) return;
    this.connect();
  }

  get currentState(): SmppState {
    return this.state;
  }

  /** Resolves true once bound, false after `timeoutMs` (startup checks, tests). */
  whenBound(timeoutMs: number): Promise<boolean> {
    if (this.state === 'bound') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        this.timers.clearTimeout(t);
        this.boundWaiters = this.boundWaiters.filter((w) => w !== onBound);
        resolve(v);
      };
      const onBound = (): void => done(true);
      const t = this.timers.setTimeout(() => done(false), timeoutMs);
      this.boundWaiters.push(onBound);
    });
  }

  async send(msg: SmsMessage, opts: SendOptions): Promise<SendResult> {
    const to = maskPhone(msg.to);
    if (opts.signal?.aborted) return failed(this.name, 'aborted', 'aborted by the caller');
    if (this.state !== 'bound')
      return failed(this.name, 'not_connected', `not bound to the SMSC (${this.state}; to ${to})`);
    const now = this.deps.clock.now();
    if (now >= opts.deadline)
      return failed(this.name, 'timeout', `deadline passed before submit_sm (to ${to})`);
    const wait = this.bucket.reserve(now, opts.deadline);
    if (wait === undefined) {
      return failed(
        this.name,
        'rate_limited',
        `send rate ${this.s.rate}/s: no slot before the deadline (to ${to})`,
      );
    }
    if (wait > 0 && !(await sleep(this.timers, wait, opts.signal)))
      return failed(this.name, 'aborted', 'aborted while queued');
    return this.submit(msg, opts, to);
  }

  private submit(msg: SmsMessage, opts: SendOptions, to: string): Promise<SendResult> {
    const session = this.session;
    if (this.state !== 'bound' || !session) {
      return Promise.resolve(failed(this.name, 'not_connected', `connection lost while queued (to ${to})`));
    }
    const waitMs = Math.min(this.s.submitTimeoutMs, opts.deadline - this.deps.clock.now());
    if (waitMs <= 0)
      return Promise.resolve(failed(this.name, 'timeout', `deadline passed before submit_sm (to ${to})`));
    return new Promise((resolve) => {
      const entry: InFlight = {
        settle: (r) => {
          if (!this.inFlight.delete(entry)) return;
          this.timers.clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      };
      this.inFlight.add(entry);
      const timer = this.timers.setTimeout(
        () => entry.settle(failed(this.name, 'timeout', `no submit_sm_resp within ${waitMs} ms (to ${to})`)),
        waitMs,
      );
      const onAbort = (): void => entry.settle(failed(this.name, 'aborted', 'aborted by the caller'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let written: boolean;
      try {
        written = session.submit_sm(submitSmFields(this.s, msg), (resp) =>
          entry.settle(submitRespResult(this.name, resp, to, statusNames)),
        );
      } catch (e) {
        // The library could not encode the PDU: this message cannot be sent as it is.
        entry.settle(failed(this.name, 'rejected', `cannot encode submit_sm: ${String(e).slice(0, 100)}`));
        return;
      }
      if (!written) entry.settle(failed(this.name, 'not_connected', `socket not writable (to ${to})`));
    });
  }

  private setState(state: SmppState): void {
    if (this.state === state) return;
    this.state = state;
    this.deps.onState?.(state);
  }

  private connect(): void {
    this.setState('connecting');
    const session = smpp.connect({
      host: this.s.host,
      port: this.s.port,
      tls: this.s.tls,
      ...(this.s.tls ? { servername: this.s.host, rejectUnauthorized: true } : {}),
      ...(this.s.ca !== undefined ? { ca: this.s.ca } : {}),
    });
    this.session = session;
    this.bindTimer = this.timers.setTimeout(() => {
      this.log.warn({ provider: this.name, event: 'sms_smpp_bind_timeout' }, 'SMPP bind timed out');
      session.destroy();
    }, this.s.bindTimeoutMs);
    session.on(this.s.tls ? 'secureConnect' : 'connect', () => this.bind(session));
    session.on('error', (e: NodeJS.ErrnoException) => {
      this.log.warn(
        { provider: this.name, event: 'sms_smpp_error', error: e.code ?? e.message.slice(0, 120) },
        'SMPP connection error',
      );
      // A framing error leaves the socket open; close it, the 'close' handler reconnects.
      session.destroy();
    });
    session.on('close', () => this.onClosed(session));
    session.on('deliver_sm', (pdu: smpp.PDU) => this.onDeliver(session, pdu));
    // §4.11: the SMSC probes us too; the library does not answer by itself.
    session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('unknown', (pdu: smpp.PDU) => session.send(pdu.response())); // generic_nack (§4.3)
  }

  private bind(session: smpp.Session): void {
    session.bind_transceiver(
      {
        system_id: this.s.systemId,
        password: this.s.password,
        system_type: this.s.systemType,
        interface_version: INTERFACE_VERSION_34,
      },
      (resp) => {
        if (session !== this.session) return;
        this.timers.clearTimeout(this.bindTimer);
        if (resp.command_status !== 0) {
          this.log.warn(
            {
              provider: this.name,
              event: 'sms_smpp_bind_refused',
              status: statusText(resp.command_status, statusNames),
            },
            'SMPP bind_transceiver refused (check system_id and password)',
          );
          session.destroy();
          return;
        }
        this.attempts = 0;
        this.setState('bound');
        this.log.info(
          { provider: this.name, event: 'sms_smpp_bound', host: this.s.host, port: this.s.port },
          'SMPP bound',
        );
        for (const w of this.boundWaiters) w();
        this.boundWaiters = [];
        this.scheduleEnquire(session);
      },
    );
  }

  /** §4.11 enquire_link: a dead link (NAT timeout, SMSC hung) shows as a missing response. */
  private scheduleEnquire(session: smpp.Session): void {
    this.enquireTimer = this.timers.setTimeout(() => {
      if (session !== this.session || this.state !== 'bound') return;
      this.enquireWait = this.timers.setTimeout(
        () => {
          this.log.warn(
            { provider: this.name, event: 'sms_smpp_link_dead' },
            'SMPP enquire_link unanswered; reconnecting',
          );
          session.destroy();
        },
        Math.min(this.s.enquireLinkIntervalMs, 10_000),
      );
      session.enquire_link({}, () => {
        this.timers.clearTimeout(this.enquireWait);
        this.scheduleEnquire(session);
      });
    }, this.s.enquireLinkIntervalMs);
  }

  private onDeliver(session: smpp.Session, pdu: smpp.PDU): void {
    // §4.6.2: every deliver_sm is answered, whatever we make of it, or the SMSC redelivers it.
    session.send(pdu.response());
    const c = classifyDeliverSm(pdu as unknown as DeliverSmFields);
    if (c.kind === 'receipt') {
      this.log.info(
        { provider: this.name, event: 'sms_receipt', message_id: c.messageId, stat: c.stat },
        'SMPP delivery receipt',
      );
      return;
    }
    if (c.kind === 'invalid') {
      this.log.warn(
        { provider: this.name, event: 'sms_inbound_dropped', why: c.why },
        'SMPP deliver_sm dropped',
      );
      return;
    }
    this.log.info(
      { provider: this.name, event: 'sms_inbound', from: maskPhone(c.from) },
      'SMPP reply received',
    );
    try {
      this.deps.onInbound?.({
        from: c.from,
        ...(c.to ? { to: c.to } : {}),
        text: c.text,
        receivedAt: this.deps.clock.now(),
        provider: this.name,
      });
    } catch (e) {
      this.log.warn(
        { provider: this.name, event: 'sms_inbound_handler_failed', error: String(e).slice(0, 120) },
        'inbound handler threw',
      );
    }
  }

  private onClosed(session: smpp.Session): void {
    if (session !== this.session) return;
    this.session = undefined;
    for (const t of [this.bindTimer, this.enquireTimer, this.enquireWait]) this.timers.clearTimeout(t);
    for (const f of [...this.inFlight])
      f.settle(failed(this.name, 'network', 'SMPP connection closed before submit_sm_resp'));
    if (this.closing) {
      this.setState('closed');
      return;
    }
    this.setState('disconnected');
    // Exponential backoff, capped: an SMSC that is down is not hammered, one that is back is found.
    const delay = Math.min(this.s.reconnectMaxMs, this.s.reconnectMinMs * 2 ** Math.min(this.attempts, 16));
    this.attempts++;
    this.log.warn(
      { provider: this.name, event: 'sms_smpp_disconnected', retry_in_ms: delay },
      'SMPP connection lost',
    );
    this.reconnectTimer = this.timers.setTimeout(() => {
      if (!this.closing) this.connect();
    }, delay);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.timers.clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session) {
      this.setState('closed');
      return;
    }
    await new Promise<void>((resolve) => {
      const t = this.timers.setTimeout(() => session.destroy(), 1000);
      session.once('close', () => {
        this.timers.clearTimeout(t);
        resolve();
      });
      // §4.2: unbind politely when bound; otherwise just close.
      if (this.state === 'bound') session.unbind({}, () => session.close());
      else session.destroy();
    });
  }
}
