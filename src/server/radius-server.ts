import type { RemoteInfo } from 'node:dgram';
import { setMaxListeners } from 'node:events';
import type { Logger } from '../observability/logger.js';
import type { AccessPipeline, Outcome } from '../pipeline/access-pipeline.js';
import type { AccessRequest } from '../pipeline/access-request.js';
import { Reasons } from '../pipeline/reasons.js';
import { decodeAccessRequest } from '../radius/access-request.js';
import { PacketCode } from '../radius/codes.js';
import type { Frame } from '../radius/frame.js';
import { buildResponse } from '../radius/response.js';
import type { Clock, Rng } from '../shared/clock.js';
import type { ClientTable, RadiusClient } from './client-table.js';
import type { Counters } from './counters.js';
import type { DecisionEncoder } from './decision-encoder.js';
import type { DropSink } from './drop-log.js';
import type { DuplicateCache } from './duplicate-cache.js';
import { notifyAuth, type RadiusObserver } from '../observability/radius-observer.js';
import { admit, answerStatusServer, claimRequest, countDrop } from './intake.js';
import { clientView } from './trusted-proxy.js';

/** The parts that a SIGHUP reload swaps as one: in-flight requests keep the runtime they started with. */
export interface Runtime {
  readonly clients: ClientTable;
  readonly pipeline: AccessPipeline;
  readonly encoder: DecisionEncoder;
}

export interface ServerDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  readonly counters: Counters;
  readonly duplicates: DuplicateCache;
  /** Rate-limited `dropped` events with the source (issue 9 item 8); counters alone when absent. */
  readonly drops?: DropSink;
  /** The status pages' and /metrics' feed (issue 11): one record per answered request. */
  readonly observers?: readonly RadiusObserver[];
}

/**
 * Datagram in, datagram out. Checks where a packet came from and that it is authentic, drops and
 * counts anything else, and hands Access-Requests to the pipeline. It never decides who gets in.
 */
export class RadiusServer {
  private runtime: Runtime;
  private readonly idPrefix: string;
  private seq = 0;
  private readonly pending = new Set<Promise<void>>();
  /** Aborted to cancel every wait in flight (a drain or a reload); requests after it get a new one. */
  private waits = unlimited(new AbortController());

  constructor(
    runtime: Runtime,
    private readonly deps: ServerDeps,
  ) {
    this.runtime = runtime;
    this.idPrefix = deps.rng.bytes(4).toString('hex');
  }

  swapRuntime(runtime: Runtime): void {
    this.runtime = runtime;
  }

  /** Resolves when every request already being processed has been answered (for a clean stop). */
  /**
   * Cancels the waits of the requests in flight (an out-of-band factor waiting for the phone): they
   * are answered at once (a reject) instead of being waited out, then drain() resolves quickly.
   */
  cancelWaits(): void {
    this.waits.abort();
    this.waits = unlimited(new AbortController());
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  onDatagram = (msg: Buffer, rinfo: RemoteInfo, send: (reply: Buffer) => void): void => {
    const runtime = this.runtime;
    const { counters, drops } = this.deps;
    const admitted = admit(msg, rinfo, runtime.clients, counters, drops);
    if (!admitted) return;
    const { client, frame } = admitted;
    switch (frame.code) {
      case PacketCode.StatusServer:
        answerStatusServer(frame, client, PacketCode.AccessAccept, counters, send, rinfo, drops);
        return;
      case PacketCode.AccessRequest:
        this.accessRequest(frame, client, rinfo, send, runtime);
        return;
      default:
        countDrop(counters, drops, 'unexpected_code', rinfo, client);
    }
  };

  private accessRequest(
    frame: Frame,
    client: RadiusClient,
    rinfo: RemoteInfo,
    send: (reply: Buffer) => void,
    runtime: Runtime,
  ): void {
    const { counters, drops } = this.deps;
    const decoded = decodeAccessRequest(frame, client.secret, {
      requireMessageAuthenticator: client.config.require_message_authenticator,
    });
    if (!decoded.ok) {
      countDrop(counters, drops, decoded.error, rinfo, client);
      return;
    }
    const key = claimRequest(this.deps.duplicates, rinfo, frame, counters, send);
    if (key === undefined) return;
    const packet = decoded.value;
    // Issue 5: behind a trusted proxy the original gateway's settings apply (trusted-proxy.ts).
    const view = clientView(client, frame);
    const req: AccessRequest = {
      correlationId: `${this.idPrefix}-${(this.seq++).toString(36)}`,
      client: {
        name: view.name,
        mfaMode: view.config.mfa_mode,
        concatDelimiter: view.config.concat_delimiter,
        challengePrompt: view.config.challenge_prompt,
        nasTimeoutMs: view.config.nas_timeout * 1000,
        failmode: view.config.failmode,
        authCacheSec: view.config.auth_cache_sec,
        ...(view.config.methods ? { methods: view.config.methods } : {}),
      },
      userName: packet.userName ?? '',
      password: packet.password,
      authMethod: packet.authMethod,
      state: packet.state,
      nas: {
        ip: packet.nasIpAddress,
        identifier: packet.nasIdentifier,
        callingStationId: packet.callingStationId,
      },
      receivedAt: this.deps.clock.now(),
      // Raw, for a primary that forwards them (upstream RADIUS); views of the datagram, no copy.
      attributes: packet.attributes.map((a) => ({ name: a.type, value: a.value })),
    };
    const work = this.process(req, frame, client, key, send, runtime, rinfo);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async process(
    req: AccessRequest,
    frame: Frame,
    client: RadiusClient,
    key: string,
    send: (reply: Buffer) => void,
    runtime: Runtime,
    rinfo: RemoteInfo,
  ): Promise<void> {
    const { counters, log } = this.deps;
    let outcome: Outcome;
    try {
      outcome = await runtime.pipeline.handle(req, this.waits.signal);
    } catch (e) {
      counters.inc('handler_errors');
      log.error(
        { event: 'handler_error', correlation_id: req.correlationId, err: e },
        'request handler failed',
      );
      outcome = {
        decision: { kind: 'reject', reason: Reasons.INTERNAL_ERROR },
        audit: { correlationId: req.correlationId, mode: req.client.mfaMode },
      };
    }
    const { code, attributes } = runtime.encoder.encode(outcome.decision);
    const reply = buildResponse({ code, request: frame, secret: client.secret, attributes });
    if (!reply.ok) {
      countDrop(counters, this.deps.drops, 'reply_too_long', rinfo, client);
      this.deps.duplicates.abandon(key);
      log.error(
        { event: 'reply_too_long', correlation_id: req.correlationId },
        'reply exceeds 4096 octets; not sent',
      );
      return;
    }
    this.deps.duplicates.complete(key, reply.value);
    send(reply.value);
    counters.inc('answered');
    counters.inc(
      code === PacketCode.AccessAccept
        ? 'access_accept'
        : code === PacketCode.AccessReject
          ? 'access_reject'
          : 'access_challenge',
    );
    const d = outcome.decision;
    const answeredAt = this.deps.clock.now();
    const latencyMs = Math.round((answeredAt - req.receivedAt) * 100) / 100;
    const observers = this.deps.observers;
    if (observers !== undefined && observers.length > 0)
      notifyAuth(
        observers,
        {
          at: answeredAt,
          result: d.kind,
          reason: d.reason,
          client: req.client.name,
          ...(req.userName !== undefined ? { user: req.userName } : {}),
          ...(outcome.audit.identityId !== undefined ? { identity: outcome.audit.identityId } : {}),
          correlationId: outcome.audit.correlationId,
          latencyMs,
          src: `${rinfo.address}:${rinfo.port}`,
          ...(outcome.audit.mode !== undefined ? { mode: outcome.audit.mode } : {}),
        },
        (e) => {
          counters.inc('handler_errors');
          log.error({ event: 'handler_error', err: e }, 'a status observer failed');
        },
      );
    log.info(
      {
        event: 'auth',
        result: d.kind,
        reason: d.reason,
        client: req.client.name,
        via: req.client.name !== client.name ? client.name : undefined,
        src: `${rinfo.address}:${rinfo.port}`,
        user: req.userName,
        auth_method: req.authMethod,
        identity: outcome.audit.identityId,
        mode: outcome.audit.mode,
        rule: outcome.audit.rule,
        correlation_id: outcome.audit.correlationId,
        nas_ip: req.nas.ip,
        nas_id: req.nas.identifier,
        calling_station: req.nas.callingStationId,
        latency_ms: latencyMs,
      },
      `auth ${d.kind} ${d.reason}`,
    );
  }
}

/**
 * Every request in flight listens on the one cancel signal (an out-of-band wait, an SMS send), so
 * thousands of listeners are the design, not a leak: without this, the 11th prints Node's
 * MaxListenersExceededWarning ("possible EventTarget memory leak") into the admin's log.
 */
function unlimited(c: AbortController): AbortController {
  setMaxListeners(0, c.signal);
  return c;
}
