import { createSocket, type Socket } from 'node:dgram';
import { PacketCode } from '../../../src/radius/codes.js';
import { type Frame, parseFrame } from '../../../src/radius/frame.js';
import { buildResponse } from '../../../src/radius/response.js';

export type Handler = (
  req: Frame,
  n: number,
) => Array<Buffer | { delayMs: number; packet: Buffer }> | undefined;

/** A loopback UDP server for the transport's tests: records requests, answers as `handler` says. */
export class Responder {
  readonly requests: Frame[] = [];
  readonly sources: Array<{ address: string; port: number }> = [];
  handler: Handler = () => undefined;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => {
      const f = parseFrame(Buffer.from(msg));
      if (!f.ok) return;
      this.requests.push(f.value);
      this.sources.push({ address: rinfo.address, port: rinfo.port });
      for (const out of this.handler(f.value, this.requests.length) ?? []) {
        if (Buffer.isBuffer(out)) socket.send(out, rinfo.port, rinfo.address);
        else setTimeout(() => socket.send(out.packet, rinfo.port, rinfo.address), out.delayMs);
      }
    });
  }

  static async start(): Promise<Responder> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new Responder(s, s.address().port);
  }

  /** Sends `packet` to where request number `i` came from. */
  answer(i: number, packet: Buffer): void {
    const src = this.sources[i]!;
    this.socket.send(packet, src.port, src.address);
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** A signed reply (MA first unless `ma` is false) to `req`. */
export function reply(
  req: Frame,
  secret: Buffer,
  code: number = PacketCode.AccessAccept,
  attributes: Buffer[] = [],
  ma = true,
): Buffer {
  const r = buildResponse({ code, request: req, secret, attributes, messageAuthenticator: ma });
  if (!r.ok) throw new Error('too long');
  return r.value;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
