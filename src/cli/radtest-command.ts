import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { verifyResponse } from '../radius/authenticators.js';
import { Attr, PacketCode } from '../radius/codes.js';
import { allAttributes, firstAttribute, parseFrame } from '../radius/frame.js';
import { hidePassword } from '../radius/password.js';
import { buildRequest } from '../radius/request.js';
import { rawTlv } from '../radius/attributes.js';
import { cryptoRng } from '../shared/clock.js';
import type { ClientConfig } from '../config/schema.js';
import { ClientTable } from '../server/client-table.js';
import { configFrom } from './config-option.js';
import { fail, prompt, readStdinLine, usage } from './io.js';

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

/** A connected UDP socket: the kernel picks the source address now, so we know which client we are. */
async function openSocket(host: string, port: number): Promise<Socket> {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

function exchange(socket: Socket, packet: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve) => {
    const done = (msg: Buffer | undefined) => {
      clearTimeout(timer);
      socket.off('message', done);
      socket.off('error', refused);
      resolve(msg);
    };
    // A connected UDP socket reports an ICMP port-unreachable as ECONNREFUSED: nobody answers.
    const refused = () => done(undefined);
    const timer = setTimeout(refused, timeoutMs);
    socket.on('message', done);
    socket.on('error', refused);
    socket.send(packet);
  });
}

/**
 * The secret the server will use for us: --secret, else --client NAME, else the client whose
 * address matches the address we send from, by the server's own longest-prefix rule.
 */
function pickSecret(
  opts: RadtestOptions,
  clients: readonly Readonly<ClientConfig>[],
  source: string,
): Buffer {
  if (opts.secret !== undefined) return Buffer.from(opts.secret, 'utf8');
  if (opts.client !== undefined) {
    const named = clients.find((c) => c.name === opts.client);
    if (!named) usage(`no client named ${opts.client} in the config`);
    return Buffer.from(named.secret, 'utf8');
  }
  const matched = new ClientTable(clients).match(source);
  if (!matched)
    usage(
      `no client in the config matches ${source}, the address radtest sends from; the server would drop the request. Add it to a client's address, or use --client NAME or --secret`,
    );
  process.stderr.write(`radtest: sending from ${source} as client "${matched.name}"\n`);
  return matched.secret;
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
  if (!Number.isFinite(opts.timeout) || opts.timeout <= 0)
    usage('--timeout expects a number of seconds above 0');
  const socket = await openSocket(host, port);
  try {
    const secret = pickSecret(opts, config.clients, socket.address().address);
    const password = opts.passwordStdin
      ? await readStdinLine()
      : await prompt(`Password for ${user}: `, true);
    await login(socket, user, secret, password, opts);
  } finally {
    socket.close();
  }
}

async function login(
  socket: Socket,
  user: string,
  secret: Buffer,
  password: string,
  opts: RadtestOptions,
): Promise<void> {
  const where = `${socket.remoteAddress().address}:${socket.remoteAddress().port}`;

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
    const reply = await exchange(socket, packet, opts.timeout * 1000);
    if (!reply)
      fail(
        `no answer from ${where} within ${opts.timeout} s (wrong address or port? a wrong secret or an unlisted source shows as a "dropped" event, with its cause, in the server log)`,
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
