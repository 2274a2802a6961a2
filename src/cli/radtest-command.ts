import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { verifyResponse } from '../radius/authenticators.js';
import { Attr, PacketCode } from '../radius/codes.js';
import { allAttributes, firstAttribute, parseFrame } from '../radius/frame.js';
import { hidePassword } from '../radius/password.js';
import { buildRequest } from '../radius/request.js';
import { rawTlv } from '../radius/attributes.js';
import { cryptoRng } from '../shared/clock.js';
import { configFrom } from './config-option.js';
import { fail, prompt, readStdinLine } from './io.js';

interface RadtestOptions {
  config?: string;
  server?: string;
  port?: number;
  secret?: string;
  client?: string;
  passwordStdin?: boolean;
  code?: string;
  timeout: number;
}

async function exchange(
  host: string,
  port: number,
  packet: Buffer,
  timeoutMs: number,
): Promise<Buffer | undefined> {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.on('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(packet, port, host);
    });
  } finally {
    socket.close();
  }
}

const codeName = (code: number): string =>
  ({
    [PacketCode.AccessAccept]: 'Access-Accept',
    [PacketCode.AccessReject]: 'Access-Reject',
    [PacketCode.AccessChallenge]: 'Access-Challenge',
  })[code] ?? `code ${code}`;

/**
 * `radtest USER`: an Access-Request with a Message-Authenticator, as a gateway sends it; follows an
 * Access-Challenge by asking for the code. The admin's first check after enrolling a user.
 */
export async function radtestCommand(user: string, opts: RadtestOptions): Promise<void> {
  const { config } = configFrom(opts.config);
  const listen = config.listen[0]!;
  const host =
    opts.server ??
    (listen.address === '0.0.0.0' ? '127.0.0.1' : listen.address === '::' ? '::1' : listen.address);
  const port = opts.port ?? listen.auth_port;
  const client = opts.client ? config.clients.find((c) => c.name === opts.client) : config.clients[0];
  if (!client && !opts.secret) fail(`no client named ${opts.client} in the config`);
  const secret = Buffer.from(opts.secret ?? client!.secret, 'utf8');
  const password = opts.passwordStdin ? await readStdinLine() : await prompt(`Password for ${user}: `, true);

  let state: Buffer | undefined;
  let answer = password;
  for (let round = 0; round < 5; round++) {
    const authenticator = cryptoRng.bytes(16);
    const identifier = cryptoRng.bytes(1)[0]!;
    const attributes = [
      rawTlv(Attr.UserName, Buffer.from(user, 'utf8')),
      rawTlv(Attr.UserPassword, hidePassword(Buffer.from(answer, 'utf8'), secret, authenticator)),
      rawTlv(Attr.NasIdentifier, Buffer.from('mfa-radius-proxy-radtest')),
      ...(state ? [rawTlv(Attr.State, state)] : []),
    ];
    const packet = buildRequest({
      code: PacketCode.AccessRequest,
      identifier,
      secret,
      authenticator,
      attributes,
    });
    const reply = await exchange(host, port, packet, opts.timeout * 1000);
    if (!reply)
      fail(
        `no answer from ${host}:${port} within ${opts.timeout} s (wrong address or port? a wrong secret or an unlisted source shows as a "dropped" event, with its cause, in the server log)`,
        3,
      );
    const frame = parseFrame(reply);
    if (!frame.ok || frame.value.identifier !== identifier) fail('malformed or unmatched reply', 3);
    const check = verifyResponse(frame.value, authenticator, secret, { requireMessageAuthenticator: true });
    if (check !== 'valid') fail(`reply failed verification: ${check}`, 3);
    const messages = allAttributes(frame.value, Attr.ReplyMessage)
      .map((b) => b.toString('utf8'))
      .join('');
    process.stdout.write(`${codeName(frame.value.code)}${messages ? `: ${messages}` : ''}\n`);
    if (frame.value.code !== PacketCode.AccessChallenge) {
      process.exitCode = frame.value.code === PacketCode.AccessAccept ? 0 : 1;
      return;
    }
    state = firstAttribute(frame.value, Attr.State);
    answer = opts.code ?? (await prompt(`${messages || 'Code'}: `));
    opts.code = undefined;
  }
  fail('too many challenge rounds');
}
