import { randomBytes } from 'node:crypto';
import { rawTlv } from '../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../src/radius/codes.js';
import { hidePassword } from '../../src/radius/password.js';
import { buildRequest } from '../../src/radius/request.js';
import { UdpClient } from './udp-client.js';

/**
 * Sends `passwords.length` Access-Requests for one user at once, as a password spray through a
 * gateway would (up to 200 per socket, so Identifiers never repeat), and waits for every answer.
 */
export async function burst(
  port: number,
  secret: string,
  userName: string,
  passwords: readonly string[],
  timeoutMs = 60_000,
): Promise<Buffer[]> {
  const key = Buffer.from(secret);
  const perSocket = 200;
  const clients: UdpClient[] = [];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < passwords.length; i++) {
    if (i % perSocket === 0) clients.push(await UdpClient.open());
    const authenticator = randomBytes(16);
    const packet = buildRequest({
      code: PacketCode.AccessRequest,
      identifier: i % perSocket,
      secret: key,
      authenticator,
      attributes: [
        rawTlv(Attr.UserName, Buffer.from(userName)),
        rawTlv(Attr.UserPassword, hidePassword(Buffer.from(passwords[i]!), key, authenticator)),
      ],
    });
    sends.push(clients[clients.length - 1]!.send(packet, port));
  }
  await Promise.all(sends);
  const replies: Buffer[] = [];
  for (let c = 0; c < clients.length; c++) {
    const expected = Math.min(perSocket, passwords.length - c * perSocket);
    replies.push(...(await clients[c]!.waitFor(expected, timeoutMs)));
  }
  await Promise.all(clients.map((c) => c.close()));
  return replies;
}
