import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { type Frame, parseFrame } from '../../../src/radius/frame.js';
import { buildResponse } from '../../../src/radius/response.js';

/**
 * A tiny Node UDP "upstream" that answers the way a broken or hostile server would: without a
 * Message-Authenticator, signed with the wrong secret, with a tampered Message-Authenticator, with
 * a wrong Identifier, or not at all. Only for cases a real FreeRADIUS cannot be made to produce.
 */
export type Misbehaviour =
  | 'genuine'
  | 'no_message_authenticator'
  | 'wrong_secret'
  | 'tampered_message_authenticator'
  | 'wrong_identifier'
  | 'black_hole';

/** RFC 2865 §3: recompute the Response Authenticator after editing a reply. */
function reseal(reply: Buffer, requestAuthenticator: Buffer, secret: Buffer): Buffer {
  const out = Buffer.from(reply);
  const h = createHash('md5');
  h.update(out.subarray(0, 4));
  h.update(requestAuthenticator);
  h.update(out.subarray(20));
  h.update(secret);
  h.digest().copy(out, 4);
  return out;
}

export class FakeUpstream {
  readonly requests: Frame[] = [];
  /** What to send for each request, in order; the last entry repeats. Each entry may send several. */
  script: Misbehaviour[][] = [['genuine']];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly secret: Buffer,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  static async start(secret: string): Promise<FakeUpstream> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new FakeUpstream(socket, socket.address().port, Buffer.from(secret));
  }

  private reply(req: Frame, how: Misbehaviour): Buffer | undefined {
    const accept = (secret: Buffer, messageAuthenticator = true): Buffer => {
      const r = buildResponse({
        code: PacketCode.AccessAccept,
        request: req,
        secret,
        attributes: [Buffer.from([Attr.FilterId, 7, 0x66, 0x61, 0x6b, 0x65, 0x21])],
        messageAuthenticator,
      });
      if (!r.ok) throw new Error('reply too long');
      return r.value;
    };
    switch (how) {
      case 'genuine':
        return accept(this.secret);
      case 'no_message_authenticator':
        return accept(this.secret, false);
      case 'wrong_secret':
        return accept(Buffer.from('not-the-shared-secret'));
      case 'tampered_message_authenticator': {
        // MA first (offset 20): flip one octet of its value, then a valid Response Authenticator.
        const r = Buffer.from(accept(this.secret));
        r[22] = r[22]! ^ 0xff;
        return reseal(r, req.authenticator, this.secret);
      }
      case 'wrong_identifier': {
        const r = Buffer.from(accept(this.secret));
        r[1] = (r[1]! + 1) & 0xff;
        return r;
      }
      case 'black_hole':
        return undefined;
    }
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const parsed = parseFrame(Buffer.from(msg));
    if (!parsed.ok) return;
    const req = parsed.value;
    if (req.code !== PacketCode.AccessRequest) return;
    const step = this.script[Math.min(this.requests.length, this.script.length - 1)]!;
    this.requests.push(req);
    let delay = 0;
    for (const how of step) {
      const out = this.reply(req, how);
      // Spaced out, so "forged first, genuine second" arrives in that order.
      if (out) setTimeout(() => this.socket.send(out, rinfo.port, rinfo.address), delay);
      delay += 30;
    }
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
