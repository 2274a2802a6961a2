import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/observability/logger.js';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { hidePassword } from '../../../src/radius/password.js';
import { buildRequest } from '../../../src/radius/request.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { quote, radclient, runRadclient } from '../../helpers/radclient.js';
import { logFile, registerSensitive } from '../../helpers/sensitive.js';
import { UdpClient } from '../../helpers/udp-client.js';

type Line = Record<string, unknown>;

/** The app in-process with an authentication and an accounting port, a manual clock and its log lines. */
async function start(): Promise<{
  app: RunningApp;
  authPort: number;
  acctPort: number;
  secret: string;
  clock: ManualClock;
  logs: Line[];
  stop(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-drops-'));
  const [authPort, acctPort] = [await freeUdpPort(), await freeUdpPort()];
  const secret = `drops-${Math.random().toString(36).slice(2)}`;
  registerSensitive(secret);
  const text = [
    'listen:',
    '  - address: 127.0.0.1',
    `    auth_port: ${authPort}`,
    `    acct_port: ${acctPort}`,
    `data_dir: ${join(dir, 'data')}`,
    'clients:',
    '  - name: vpn',
    '    address: 127.0.0.1',
    `    secret: ${JSON.stringify(secret)}`,
    '    mfa_mode: challenge',
    '',
  ].join('\n');
  const loaded = parseConfig({ file: join(dir, 'config.yaml'), text });
  const logs: Line[] = [];
  const fd = openSync(logFile('drops'), 'a');
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writeSync(fd, chunk);
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Line);
      cb();
    },
  });
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const app = await startApp({ loaded, log: createLogger({ level: 'trace', destination }), clock });
  return {
    app,
    authPort,
    acctPort,
    secret,
    clock,
    logs,
    async stop() {
      await app.stop();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls for something the server does in response to a datagram (no fixed sleep). */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('issue 9 item 8: every dropped packet leaves a rate-limited trace with its source', () => {
  let p: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    p = await start();
  });
  afterAll(() => p.stop());

  const dropped = () => p.logs.filter((l) => l.event === 'dropped');
  const newDrop = (from: number, cause: string) =>
    until(`a dropped event (${cause})`, () =>
      dropped()
        .slice(from)
        .find((l) => l.cause === cause),
    );
  /** Each case starts in a fresh rate-limit window, so the first drop of its kind is logged. */
  const nextWindow = () => p.clock.advance(61_000);

  it('radclient with a wrong secret: a dropped event with source, port, cause and client, at warn', async () => {
    nextWindow();
    const from = dropped().length;
    const r = await radclient({
      server: `127.0.0.1:${p.authPort}`,
      secret: 'not-the-secret',
      attrs: { 'User-Name': quote('alice'), 'User-Password': quote('whatever') },
      timeoutSec: 0.5,
      retries: 1,
    });
    expect(r.code).toBe('timeout');
    const line = await newDrop(from, 'bad_message_authenticator');
    expect(line).toMatchObject({ level: 'warn', src: '127.0.0.1', client: 'vpn' });
    expect(typeof line.port).toBe('number');
    expect(line.port).toBeGreaterThan(0);
  });

  it('radclient without a Message-Authenticator: cause missing_message_authenticator', async () => {
    nextWindow();
    const from = dropped().length;
    await radclient({
      server: `127.0.0.1:${p.authPort}`,
      secret: p.secret,
      attrs: { 'User-Name': quote('alice'), 'User-Password': quote('whatever') },
      messageAuthenticator: false,
      timeoutSec: 0.5,
      retries: 1,
    });
    expect(await newDrop(from, 'missing_message_authenticator')).toMatchObject({
      src: '127.0.0.1',
      client: 'vpn',
    });
  });

  it('an unknown source: cause unknown_client, the source address, no client name', async () => {
    nextWindow();
    const from = dropped().length;
    const c = await UdpClient.open('127.0.0.2');
    await c.send(randomBytes(40), p.authPort);
    const line = await newDrop(from, 'unknown_client');
    await c.close();
    expect(line).toMatchObject({ src: '127.0.0.2' });
    expect(line).not.toHaveProperty('client');
  });

  it('the accounting port too: an Accounting-Request under a wrong secret → cause bad_authenticator', async () => {
    nextWindow();
    const from = dropped().length;
    const out = await runRadclient(
      ['-t', '0.5', '-r', '1', `127.0.0.1:${p.acctPort}`, 'acct', 'not-the-secret'],
      'Acct-Status-Type = Start, Acct-Session-Id = "s-1", User-Name = "alice"',
    );
    expect(out).not.toMatch(/Received Accounting-Response/);
    expect(await newDrop(from, 'bad_authenticator')).toMatchObject({ src: '127.0.0.1', client: 'vpn' });
    expect(p.app.accounting!.server.counters.get('dropped_bad_authenticator')).toBeGreaterThan(0);
  });

  it('10,000 forged packets from one source: one line, then `suppressed: 9999` on the next one', async () => {
    nextWindow();
    const from = dropped().length;
    const wrong = Buffer.from('forger');
    const forged = (i: number) => {
      const authenticator = randomBytes(16);
      return buildRequest({
        code: PacketCode.AccessRequest,
        identifier: i & 0xff,
        secret: wrong,
        authenticator,
        attributes: [
          rawTlv(Attr.UserName, Buffer.from('alice')),
          rawTlv(Attr.UserPassword, hidePassword(Buffer.from('x'), wrong, authenticator)),
        ],
      });
    };
    const counter = () => p.app.counters.get('dropped_bad_message_authenticator');
    const before = counter();
    const c = await UdpClient.open();
    // In batches, each waited for by the server's counter, so no datagram is lost in a socket buffer.
    for (let sent = 0; sent < 10_000; ) {
      for (let j = 0; j < 250; j++, sent++) await c.send(forged(sent), p.authPort);
      await until('the batch to be counted', () => (counter() >= before + sent ? true : undefined));
    }
    expect(counter()).toBe(before + 10_000);
    const flood = dropped().slice(from);
    expect(flood).toHaveLength(1);
    expect(flood[0]).toMatchObject({ cause: 'bad_message_authenticator', src: '127.0.0.1' });
    expect(flood[0]).not.toHaveProperty('suppressed');
    nextWindow();
    await c.send(forged(0), p.authPort);
    const next = await newDrop(from + 1, 'bad_message_authenticator');
    await c.close();
    expect(next).toMatchObject({ suppressed: 9_999 });
    expect(c.received).toHaveLength(0);
  });
});
