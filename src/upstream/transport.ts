import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { verifyResponse } from '../radius/authenticators.js';
import { Attr, HEADER_LENGTH } from '../radius/codes.js';
import { type Frame, firstAttribute, parseFrame } from '../radius/frame.js';
import type { Rng } from '../shared/clock.js';
import type { Result } from '../shared/result.js';
import { IdentifierPool } from './id-pool.js';
import {
  answersRequest,
  type EncodedRequest,
  type EncodeError,
  encodeRequest,
  type OutgoingRequest,
  PROXY_STATE_LENGTH,
} from './outgoing-request.js';
import { ALWAYS_SIGNED, type ReplySigning } from './reply-signing.js';
import type { UpstreamCounters } from './upstream-counters.js';

/** One upstream port (auth or acct) of one server. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly secret: Buffer;
  /** Wait for one transmission. */
  readonly timeoutMs: number;
  /** Retransmissions of the same packet (RFC 5080 §2.2.1: same Identifier and authenticator). */
  readonly retries: number;
}

export type ExchangeResult =
  | { readonly kind: 'answer'; readonly frame: Frame }
  | { readonly kind: 'timeout' }
  /** Ended early: an authentic (valid Response Authenticator) answer without a required Message-Authenticator. */
  | { readonly kind: 'unsigned' }
  /** Not sent: over 4096 octets once encoded (RFC 2865 §3). */
  | { readonly kind: 'too_large' }
  | { readonly kind: 'no_identifier' }
  | { readonly kind: 'closed' };

interface Pending {
  readonly id: number;
  readonly slot: Slot;
  readonly code: number;
  readonly packet: Buffer;
  readonly authenticator: Buffer;
  /** The request wants a signed answer (Access-Request); whether it must have one is `signing`'s call. */
  readonly requireMa: boolean;
  readonly giveUpAt: number;
  transmissions: number;
  readonly maxTransmissions: number;
  timer: NodeJS.Timeout | undefined;
  readonly resolve: (r: ExchangeResult) => void;
}

interface Slot {
  readonly socket: Socket;
  readonly ids: IdentifierPool;
  readonly pending: Array<Pending | undefined>;
  /**
   * The authenticator last used with each Identifier (16 octets at id * 16), to tell a late answer
   * from a forgery; a copy, so a finished request's packet is not kept alive.
   */
  readonly previous: Buffer;
  readonly hasPrevious: Uint8Array;
  connected: boolean;
  readonly queue: Buffer[];
}

/** 4 MiB, as the server's listener: bursts of answers must not overflow the kernel default. */
const RECV_BUFFER = 4 * 1024 * 1024;

/**
 * The bottom layer of the upstream client: connected UDP sockets to one server port (the kernel
 * then drops datagrams from any other source), each with a FIFO Identifier pool, so 256 requests
 * per socket are outstanding without collision. Sends, retransmits on a timer, and matches answers
 * by (socket, Identifier), then verifies them against the request (Response Authenticator, and the
 * Message-Authenticator when required). A forged or unmatched answer is dropped and counted, and
 * the request keeps waiting for the real one. An unsigned answer where a signature is required is
 * dropped and counted too, but ends the request at once as 'unsigned' (see onMessage). No failover
 * here: see failover.ts.
 */
export class Transport {
  private readonly slots: Slot[] = [];
  private next = 0;
  private closed = false;
  private readonly proxyStatePrefix: Buffer;
  private seq = 0;
  /** Requests outstanding on this endpoint. */
  outstanding = 0;

  constructor(
    readonly endpoint: Endpoint,
    sockets: number,
    private readonly counters: UpstreamCounters,
    private readonly rng: Rng,
    /** Whether answers must carry a Message-Authenticator (`require_message_authenticator`). */
    private readonly signing: ReplySigning = ALWAYS_SIGNED,
  ) {
    this.proxyStatePrefix = Buffer.from(rng.bytes(4));
    this.label = Transport.labelOf(endpoint);
    for (let i = 0; i < sockets; i++) this.slots.push(this.openSlot());
  }

  /** host:port, [v6]:port; read per answer (audit), so computed once. */
  readonly label: string;

  static labelOf(endpoint: Pick<Endpoint, 'address' | 'port'>): string {
    const a = endpoint.address;
    return `${isIPv6(a) ? `[${a}]` : a}:${endpoint.port}`;
  }

  /**
   * Sends `req` and waits for its verified answer, retransmitting every `timeoutMs` up to `retries`
   * times, and giving up after `limitMs` in all (the caller's share of the gateway's budget).
   */
  exchange(req: OutgoingRequest, limitMs: number): Promise<ExchangeResult> {
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    const n = this.slots.length;
    let slot: Slot | undefined;
    let id: number | undefined;
    for (let i = 0; i < n && id === undefined; i++) {
      slot = this.slots[(this.next + i) % n]!;
      id = slot.ids.take();
    }
    this.next = (this.next + 1) % n;
    if (id === undefined || slot === undefined) {
      this.counters.inc('no_identifier');
      return Promise.resolve({ kind: 'no_identifier' });
    }
    // Every path from here either sends with this Identifier or gives it back: a request that
    // cannot be encoded must not leak one (256 x sockets_per_server of them would stop the upstream).
    let encoded: Result<EncodedRequest, EncodeError>;
    try {
      encoded = encodeRequest(req, id, this.endpoint.secret, this.rng, this.proxyState());
    } catch (e) {
      slot.ids.release(id);
      throw e;
    }
    if (!encoded.ok) {
      slot.ids.release(id);
      this.counters.inc('request_too_large');
      return Promise.resolve({ kind: 'too_large' });
    }
    const { packet, authenticator } = encoded.value;
    const giveUpAt = performance.now() + limitMs;
    const s = slot;
    const ident = id;
    return new Promise<ExchangeResult>((resolve) => {
      const p: Pending = {
        id: ident,
        slot: s,
        code: req.code,
        packet,
        authenticator,
        requireMa: req.requireMessageAuthenticator,
        giveUpAt,
        transmissions: 1,
        maxTransmissions: 1 + this.endpoint.retries,
        timer: undefined,
        resolve,
      };
      s.pending[ident] = p;
      this.outstanding++;
      this.counters.inc('sent');
      this.transmit(s, packet);
      p.timer = setTimeout(this.onTimer, Math.max(1, Math.min(this.endpoint.timeoutMs, limitMs)), p);
    });
  }

  /** Identifiers free over all sockets (256 each when idle). */
  get freeIdentifiers(): number {
    let n = 0;
    for (const s of this.slots) n += s.ids.free;
    return n;
  }

  /** Closes the sockets; requests still outstanding resolve as 'closed'. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) {
      for (const p of slot.pending) if (p) this.finish(p, { kind: 'closed' });
    }
    await Promise.all(this.slots.map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve()))));
  }

  /** Our Proxy-State (RFC 2865 §5.33): a per-process prefix and a sequence number. */
  private proxyState(): Buffer {
    const tlv = Buffer.allocUnsafe(PROXY_STATE_LENGTH);
    tlv[0] = Attr.ProxyState;
    tlv[1] = PROXY_STATE_LENGTH;
    this.proxyStatePrefix.copy(tlv, 2);
    tlv.writeUInt32BE(this.seq, 6);
    this.seq = (this.seq + 1) >>> 0;
    return tlv;
  }

  private openSlot(): Slot {
    const { address, port } = this.endpoint;
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER });
    const slot: Slot = {
      socket,
      ids: new IdentifierPool(),
      pending: new Array<Pending | undefined>(256),
      previous: Buffer.alloc(256 * 16),
      hasPrevious: new Uint8Array(256),
      connected: false,
      queue: [],
    };
    // ICMP errors (port unreachable while a server restarts) surface here; timeouts handle them.
    socket.on('error', () => {});
    socket.on('message', (msg) => this.onMessage(slot, msg));
    socket.connect(port, address, () => {
      slot.connected = true;
      for (const packet of slot.queue.splice(0)) socket.send(packet);
    });
    return slot;
  }

  private transmit(slot: Slot, packet: Buffer): void {
    if (slot.connected) slot.socket.send(packet);
    else slot.queue.push(packet);
  }

  private readonly onTimer = (p: Pending): void => {
    p.timer = undefined;
    const remaining = p.giveUpAt - performance.now();
    if (p.transmissions < p.maxTransmissions && remaining >= 1) {
      p.transmissions++;
      this.counters.inc('retransmitted');
      this.transmit(p.slot, p.packet);
      p.timer = setTimeout(this.onTimer, Math.max(1, Math.min(this.endpoint.timeoutMs, remaining)), p);
      return;
    }
    this.counters.inc('timeouts');
    this.finish(p, { kind: 'timeout' });
  };

  private finish(p: Pending, result: ExchangeResult): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    const { slot, id } = p;
    if (slot.pending[id] !== p) return;
    slot.pending[id] = undefined;
    p.authenticator.copy(slot.previous, id * 16);
    slot.hasPrevious[id] = 1;
    slot.ids.release(id);
    this.outstanding--;
    p.resolve(result);
  }

  private onMessage(slot: Slot, msg: Buffer): void {
    if (msg.length < HEADER_LENGTH) {
      this.counters.inc('dropped_malformed');
      return;
    }
    const id = msg[1]!;
    const p = slot.pending[id];
    const parsed = parseFrame(msg);
    if (!parsed.ok) {
      this.counters.inc('dropped_malformed');
      return;
    }
    const frame = parsed.value;
    if (p === undefined) {
      this.counters.inc(this.isLate(slot, frame) ? 'dropped_late' : 'dropped_unmatched');
      return;
    }
    if (!answersRequest(p.code, frame.code)) {
      this.counters.inc('dropped_unexpected_code');
      return;
    }
    // Evaluated per answer: under `auto`, a signature learned meanwhile is required from then on.
    const verdict = verifyResponse(frame, p.authenticator, this.endpoint.secret, {
      requireMessageAuthenticator: p.requireMa && this.signing.required,
    });
    if (verdict === 'missing_message_authenticator') {
      // Authentic (its Response Authenticator needs the secret) but unsigned where a signature is
      // required. The server answers a retransmission the same way (FreeRADIUS replays its cached
      // reply), so waiting out the timeout would only delay the reject: end the request now, as
      // 'unsigned', not 'timeout'. This gives an attacker nothing: forging such an answer in time
      // needs the secret, and an on-path attacker could as well drop the real answer.
      this.counters.inc('dropped_missing_message_authenticator');
      this.counters.inc('refused_unsigned');
      this.signing.refused();
      this.finish(p, { kind: 'unsigned' });
      return;
    }
    if (verdict !== 'valid') {
      // Dropped, and the request keeps waiting: a forgery must not cancel the real answer.
      if (this.isLate(slot, frame)) this.counters.inc('dropped_late');
      else this.counters.inc(`dropped_${verdict}` as const);
      return;
    }
    if (p.requireMa) {
      if (firstAttribute(frame, Attr.MessageAuthenticator) !== undefined) this.signing.signed();
      else this.counters.inc('accepted_unsigned');
    }
    this.counters.inc('answered');
    this.finish(p, { kind: 'answer', frame });
  }

  /** An authentic answer to the request that used this Identifier before (it timed out). */
  private isLate(slot: Slot, frame: Frame): boolean {
    const id = frame.identifier;
    if (slot.hasPrevious[id] !== 1) return false;
    const prev = slot.previous.subarray(id * 16, id * 16 + 16);
    return (
      verifyResponse(frame, prev, this.endpoint.secret, { requireMessageAuthenticator: false }) === 'valid'
    );
  }
}
