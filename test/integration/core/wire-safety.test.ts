import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { hidePassword } from '../../../src/radius/password.js';
import { buildRequest } from '../../../src/radius/request.js';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { UdpClient } from '../../helpers/udp-client.js';

describe('packets that must be dropped without an answer, and counted', () => {
  let p: InProcessProxy;
  let secret: Buffer;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'] });
    secret = Buffer.from(p.secret);
    await p.addUser('alice', 'correct horse', { exempt: true });
  });
  afterAll(() => p.stop());

  const accessRequest = (opts: { ma?: boolean; secret?: Buffer; id?: number; password?: string } = {}) => {
    const authenticator = randomBytes(16);
    const s = opts.secret ?? secret;
    return buildRequest({
      code: PacketCode.AccessRequest,
      identifier: opts.id ?? 7,
      secret: s,
      authenticator,
      addMessageAuthenticator: opts.ma ?? true,
      attributes: [
        rawTlv(Attr.UserName, Buffer.from('alice')),
        rawTlv(
          Attr.UserPassword,
          hidePassword(Buffer.from(opts.password ?? 'correct horse'), s, authenticator),
        ),
      ],
    });
  };

  /**
   * Sends one packet and returns how many replies came. A drop is detected by the server's own
   * counters moving (no guessing how long to wait); an answer is waited for up to 5 s (scrypt on a
   * busy machine can be slow).
   */
  async function answers(packet: Buffer, from = '127.0.0.1', waitMs = 5000): Promise<number> {
    const c = await UdpClient.open(from);
    const countersBefore = JSON.stringify(p.app.counters.snapshot());
    const droppedBefore = dropped();
    await c.send(packet, p.port);
    const until = Date.now() + waitMs;
    while (Date.now() < until && c.received.length === 0 && dropped() === droppedBefore) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const n = await c.settle(100);
    await c.close();
    if (n === 0 && JSON.stringify(p.app.counters.snapshot()) === countersBefore)
      throw new Error('neither answered nor dropped');
    return n;
  }

  function dropped(): number {
    const c = p.app.counters.snapshot();
    return Object.entries(c)
      .filter(([k]) => k.startsWith('dropped_'))
      .reduce((a, [, v]) => a + v, 0);
  }

  it('a valid request is answered (baseline for the cases below)', async () => {
    expect(await answers(accessRequest())).toBe(1);
  });

  it('drops an Access-Request without Message-Authenticator (BlastRADIUS) — radclient too', async () => {
    const before = p.app.counters.get('dropped_missing_message_authenticator');
    expect(await answers(accessRequest({ ma: false }))).toBe(0);
    const r = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('alice'), 'User-Password': quote('correct horse') },
      messageAuthenticator: false,
      timeoutSec: 0.5,
      retries: 1,
    });
    expect(r.code).toBe('timeout');
    expect(p.app.counters.get('dropped_missing_message_authenticator')).toBe(before + 2);
  });

  it('drops a forged Message-Authenticator (one bit flipped) and a wrong secret', async () => {
    const before = p.app.counters.get('dropped_bad_message_authenticator');
    const forged = accessRequest();
    // MA is the first attribute buildRequest writes: header (20) + type/len (2).
    forged[22 + 5]! ^= 0x80;
    expect(await answers(forged)).toBe(0);
    expect(await answers(accessRequest({ secret: Buffer.from('not-the-secret') }))).toBe(0);
    expect(p.app.counters.get('dropped_bad_message_authenticator')).toBe(before + 2);
  });

  it('drops packets from unknown sources without answering', async () => {
    const before = p.app.counters.get('dropped_unknown_client');
    // The client is 127.0.0.1 only; 127.0.0.2 is loopback too, but not a configured client.
    expect(await answers(accessRequest(), '127.0.0.2')).toBe(0);
    expect(p.app.counters.get('dropped_unknown_client')).toBe(before + 1);
  });

  it('drops truncated, oversized and garbled packets', async () => {
    const before = p.app.counters.get('dropped_malformed');
    const good = accessRequest();
    const truncated = good.subarray(0, good.length - 3); // Length field now exceeds the datagram
    const tooShort = good.subarray(0, 19);
    const oversized = Buffer.concat([good, Buffer.alloc(5000)]);
    oversized.writeUInt16BE(4097, 2);
    const badAttr = Buffer.from(good);
    badAttr[21] = 1; // first attribute length < 2
    for (const pkt of [truncated, tooShort, oversized, badAttr]) expect(await answers(pkt)).toBe(0);
    expect(p.app.counters.get('dropped_malformed')).toBe(before + 4);
  });

  it('survives a fuzz loop of random mutations of valid packets, answering nothing invalid', async () => {
    const c = await UdpClient.open();
    const answeredBefore = p.app.counters.get('answered');
    let sent = 0;
    for (let i = 0; i < 2000; i++) {
      const pkt = Buffer.from(accessRequest({ id: i & 0xff, password: 'wrong' }));
      const kind = i % 4;
      if (kind === 0) pkt[Math.floor(Math.random() * pkt.length)]! ^= 1 << Math.floor(Math.random() * 8);
      else if (kind === 1) pkt.writeUInt16BE(Math.floor(Math.random() * 5000), 2);
      else if (kind === 2)
        pkt[20 + Math.floor(Math.random() * (pkt.length - 20))] = Math.floor(Math.random() * 256);
      const out = kind === 3 ? pkt.subarray(0, Math.floor(Math.random() * pkt.length)) : pkt;
      await c.send(out, p.port);
      sent++;
    }
    await c.settle(800);
    await c.close();
    // Every mutation breaks either the framing or the Message-Authenticator (HMAC over every octet),
    // except mutations past the Length field, which RFC 2865 §3 says to ignore as padding.
    const answered = p.app.counters.get('answered') - answeredBefore;
    expect(sent).toBe(2000);
    expect(answered).toBeLessThan(20);
    // Still alive and correct afterwards (behind any hashing the fuzz queued).
    expect(await answers(accessRequest(), '127.0.0.1', 20_000)).toBe(1);
  });

  it('answers Status-Server (RFC 5997) with Access-Accept', async () => {
    const r = await radclient({ server: p.server, secret: p.secret, command: 'status', attrs: {} });
    expect(r.code).toBe('Access-Accept');
  });
});

describe('retransmissions (RFC 5080 §2.2.2)', () => {
  let p: InProcessProxy;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'] });
    await p.addUser('alice', 'correct horse', { exempt: true });
  });
  afterAll(() => p.stop());

  it('in flight: ignored; afterwards: the cached reply, byte for byte; the handler runs once', async () => {
    const secret = Buffer.from(p.secret);
    const authenticator = randomBytes(16);
    const pkt = buildRequest({
      code: PacketCode.AccessRequest,
      identifier: 42,
      secret,
      authenticator,
      attributes: [
        rawTlv(Attr.UserName, Buffer.from('alice')),
        rawTlv(Attr.UserPassword, hidePassword(Buffer.from('correct horse'), secret, authenticator)),
      ],
    });
    const c = await UdpClient.open();
    const auditsBefore = p.audits().length;
    // scrypt takes tens of ms: the second copy arrives while the first is in flight.
    await c.send(pkt, p.port);
    await c.send(pkt, p.port);
    const first = await c.waitFor(1);
    expect(await c.settle(300)).toBe(1);
    await c.send(pkt, p.port);
    const both = await c.waitFor(2);
    expect(both).toHaveLength(2);
    expect(both[1]!.equals(first[0]!)).toBe(true);
    await c.close();
    expect(p.audits().length - auditsBefore).toBe(1);
    expect(p.app.counters.get('duplicate_in_flight')).toBe(1);
    expect(p.app.counters.get('duplicate_replayed')).toBe(1);
  });
});
