import type { RemoteInfo } from 'node:dgram';
import { verifyAccountingRequest } from '../radius/authenticators.js';
import { PacketCode } from '../radius/codes.js';
import type { Frame } from '../radius/frame.js';
import { buildResponse } from '../radius/response.js';
import type { ClientTable, RadiusClient } from '../server/client-table.js';
import type { DuplicateCache } from '../server/duplicate-cache.js';
import type { DropSink } from '../server/drop-log.js';
import { admit, answerStatusServer, claimRequest, countDrop } from '../server/intake.js';
import { clientView } from '../server/trusted-proxy.js';
import type { Clock } from '../shared/clock.js';
import { answerMargin } from '../upstream/budget.js';
import { AccountingCounters } from './accounting-counters.js';
import { accountingRecord } from './accounting-record.js';
import type { AccountingSink } from './accounting-sink.js';
import type { SessionTable } from './session-table.js';

/** What a reload swaps: the client table and where records go. */
export interface AccountingRuntime {
  readonly clients: ClientTable;
  readonly sink: AccountingSink;
}

/** pino-compatible subset. */
export interface AccountingLogger {
  warn(obj: object, msg: string): void;
}

export interface AccountingDeps {
  readonly clock: Clock;
  readonly duplicates: DuplicateCache;
  readonly sessions: SessionTable;
  readonly log?: AccountingLogger;
  /** Rate-limited `dropped` events with the source (issue 9 item 8). */
  readonly drops?: DropSink;
}

/**
 * The accounting port (RFC 2866): checks the source and the Request Authenticator, drops and counts
 * anything else, records the request (upstream or locally) and answers Accounting-Response only
 * after it is recorded (RFC 2866 §2). If recording fails, nothing is sent: the gateway retransmits
 * or fails over. Retransmissions are answered from the duplicate cache (RFC 5080 §2.2.2).
 */
export class AccountingServer {
  readonly counters = new AccountingCounters();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private runtime: AccountingRuntime,
    private readonly deps: AccountingDeps,
  ) {}

  swapRuntime(runtime: AccountingRuntime): void {
    this.runtime = runtime;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  onDatagram = (msg: Buffer, rinfo: RemoteInfo, send: (reply: Buffer) => void): void => {
    const { counters } = this;
    const { drops } = this.deps;
    const runtime = this.runtime;
    const admitted = admit(msg, rinfo, runtime.clients, counters, drops);
    if (!admitted) return;
    const { client, frame } = admitted;
    if (frame.code === PacketCode.StatusServer) {
      answerStatusServer(frame, client, PacketCode.AccountingResponse, counters, send, rinfo, drops);
      return;
    }
    if (frame.code !== PacketCode.AccountingRequest) {
      countDrop(counters, drops, 'unexpected_code', rinfo, client);
      return;
    }
    // RFC 2866 §3: the Request Authenticator is an MD5 over the packet and the shared secret.
    if (!verifyAccountingRequest(frame, client.secret)) {
      countDrop(counters, drops, 'bad_authenticator', rinfo, client);
      return;
    }
    const key = claimRequest(this.deps.duplicates, rinfo, frame, counters, send);
    if (key === undefined) return;
    const work = this.process(frame, client, key, `${rinfo.address}:${rinfo.port}`, runtime.sink, send);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  };

  private async process(
    frame: Frame,
    client: RadiusClient,
    key: string,
    src: string,
    sink: AccountingSink,
    send: (reply: Buffer) => void,
  ): Promise<void> {
    const view = clientView(client, frame);
    const rec = accountingRecord(frame, view.name, src, this.deps.clock.now());
    const budget = view.config.nas_timeout * 1000;
    let recorded = false;
    try {
      recorded = await sink.record(frame, rec, budget - answerMargin(budget));
    } catch {
      recorded = false;
    }
    if (!recorded) {
      this.counters.inc('not_recorded');
      this.deps.duplicates.abandon(key);
      this.deps.log?.warn(
        { event: 'accounting_not_recorded', client: view.name, sink: sink.kind, session_id: rec.sessionId },
        'accounting request not recorded; no answer sent',
      );
      return;
    }
    this.counters.inc(sink.kind === 'upstream' ? 'forwarded' : 'recorded_locally');
    this.deps.sessions.apply(rec);
    // RFC 2866 §4.2: no attributes of its own; buildResponse echoes every Proxy-State in order.
    const reply = buildResponse({
      code: PacketCode.AccountingResponse,
      request: frame,
      secret: client.secret,
      attributes: [],
    });
    if (!reply.ok) {
      this.deps.duplicates.abandon(key);
      return;
    }
    this.deps.duplicates.complete(key, reply.value);
    this.counters.inc('answered');
    send(reply.value);
  }
}
