import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyMessageAttributes } from '../../../src/radius/attributes.js';
import { messageAuthenticatorStatus, verifyAccountingRequest } from '../../../src/radius/authenticators.js';
import { PacketCode } from '../../../src/radius/codes.js';
import { type Frame, parseFrame } from '../../../src/radius/frame.js';
import { buildResponse } from '../../../src/radius/response.js';

/**
 * FreeRADIUS's radclient (freeradius-utils) as an independent peer on loopback: it checks our replies'
 * Response Authenticator and Message-Authenticator, including the Accounting-Response MA we compute
 * over a zeroed vector, and its requests exercise our verification. Wire code only; no app server.
 */

const SECRET = 'interop-secret';
const secret = Buffer.from(SECRET);

interface Seen {
  code: number;
  ma: string;
  accountingValid?: boolean;
}

let socket: dgram.Socket;
let port: number;
const seen: Seen[] = [];
/** When set, the next reply gets one MA bit flipped (a negative control: radclient must refuse it). */
let corruptNext = false;
/** Whether Status-Server is answered as on an accounting port (Accounting-Response) or not. */
let accountingPort = false;

function answer(req: Frame): Buffer | undefined {
  const code =
    req.code === PacketCode.AccessRequest || (req.code === PacketCode.StatusServer && !accountingPort)
      ? PacketCode.AccessAccept
      : PacketCode.AccountingResponse;
  const attributes =
    code === PacketCode.AccessAccept ? replyMessageAttributes(`welcome ${'x'.repeat(300)}`) : [];
  const r = buildResponse({ code, request: req, secret, attributes });
  if (!r.ok) return undefined;
  if (corruptNext) r.value[25]! ^= 0x01;
  return r.value;
}

beforeAll(async () => {
  socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const f = parseFrame(msg);
    if (!f.ok) return;
    seen.push({
      code: f.value.code,
      ma: messageAuthenticatorStatus(f.value, secret),
      ...(f.value.code === PacketCode.AccountingRequest
        ? { accountingValid: verifyAccountingRequest(f.value, secret) }
        : {}),
    });
    const reply = answer(f.value);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  port = (socket.address() as AddressInfo).port;
});

afterAll(() => socket.close());

function radclient(
  command: 'auth' | 'acct' | 'status',
  input: string,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-r', '1', '-t', '1', `127.0.0.1:${port}`, command, SECRET]);
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(input);
  });
}

describe('radclient (FreeRADIUS 3.2) against our wire code', () => {
  const cases: [string, 'auth' | 'acct' | 'status', string, boolean, Seen][] = [
    [
      'Access-Request with MA and Proxy-State → Access-Accept',
      'auth',
      'User-Name = "alice"\nUser-Password = "pw"\nMessage-Authenticator = 0x00\nProxy-State = 0x0102\n',
      false,
      { code: PacketCode.AccessRequest, ma: 'valid' },
    ],
    [
      'Status-Server → Access-Accept',
      'status',
      'Message-Authenticator = 0x00\n',
      false,
      { code: 12, ma: 'valid' },
    ],
    [
      'Accounting-Request without MA → Accounting-Response with MA',
      'acct',
      'User-Name = "alice"\nAcct-Status-Type = Start\nAcct-Session-Id = "1"\n',
      true,
      { code: PacketCode.AccountingRequest, ma: 'absent', accountingValid: true },
    ],
    [
      'Accounting-Request with MA → Accounting-Response with MA',
      'acct',
      'User-Name = "alice"\nAcct-Status-Type = Stop\nAcct-Session-Id = "1"\nMessage-Authenticator = 0x00\n',
      true,
      { code: PacketCode.AccountingRequest, ma: 'valid', accountingValid: true },
    ],
    [
      'Status-Server → Accounting-Response',
      'status',
      'Message-Authenticator = 0x00\n',
      true,
      { code: 12, ma: 'valid' },
    ],
  ];

  it.each(cases)('%s', async (_name, command, input, acct, expectedSeen) => {
    accountingPort = acct;
    corruptNext = false;
    seen.length = 0;
    const r = await radclient(command, input);
    expect(r.output).toMatch(/Received (Access-Accept|Accounting-Response)/);
    expect(r.code).toBe(0);
    expect(seen).toEqual([expectedSeen]);
  });

  it('radclient refuses a reply whose MA has one bit flipped (negative control)', async () => {
    accountingPort = false;
    corruptNext = true;
    const r = await radclient(
      'auth',
      'User-Name = "bob"\nUser-Password = "pw"\nMessage-Authenticator = 0x00\n',
    );
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/invalid Message-Authenticator/);
  });
});
