import { createHmac, randomBytes } from 'node:crypto';
import { rawTlv } from '../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../src/radius/codes.js';
import { hidePassword } from '../../src/radius/password.js';
import { buildRequest } from '../../src/radius/request.js';

/** Packet factories for the load generator: a fresh Request Authenticator on every send. */
export function statusServer(secret: Buffer) {
  return (identifier: number): Buffer =>
    buildRequest({
      code: PacketCode.StatusServer,
      identifier,
      secret,
      authenticator: randomBytes(16),
      attributes: [],
    });
}

export function accessRequest(
  secret: Buffer,
  user: string,
  password: string,
  state?: Buffer,
): (identifier: number) => Buffer {
  return (identifier: number) => {
    const authenticator = randomBytes(16);
    return buildRequest({
      code: PacketCode.AccessRequest,
      identifier,
      secret,
      authenticator,
      attributes: [
        rawTlv(Attr.UserName, Buffer.from(user)),
        rawTlv(Attr.UserPassword, hidePassword(Buffer.from(password), secret, authenticator)),
        rawTlv(Attr.NasIdentifier, Buffer.from('bench')),
        ...(state ? [rawTlv(Attr.State, state)] : []),
      ],
    });
  };
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), independent of otplib, for generating load. */
export function totp(secret: Buffer, atMs = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const off = mac[mac.length - 1]! & 0xf;
  const bin = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}

/** Reads the State attribute out of a reply (the loadgen does not parse fully). */
export function stateOf(reply: Buffer): Buffer | undefined {
  let off = 20;
  while (off + 2 <= reply.length) {
    const type = reply[off]!;
    const len = reply[off + 1]!;
    if (len < 2) return undefined;
    if (type === Attr.State) return reply.subarray(off + 2, off + len);
    off += len;
  }
  return undefined;
}

/**
 * One request at a time on a bound UDP socket: sends `pkt` to 127.0.0.1:`port` and resolves with
 * the first reply, or undefined after 5 s (the bench's sequential login loops).
 */
export function udpAsker(
  sock: import('node:dgram').Socket,
  port: number,
): (pkt: Buffer) => Promise<Buffer | undefined> {
  return (pkt) =>
    new Promise<Buffer | undefined>((resolve) => {
      const t = setTimeout(() => {
        sock.removeAllListeners('message');
        resolve(undefined);
      }, 5000);
      sock.once('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
      sock.send(pkt, port, '127.0.0.1');
    });
}
