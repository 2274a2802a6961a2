import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import { messageAuthenticatorStatus } from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { type Frame, firstAttribute } from '../../../src/radius/frame.js';
import { unhidePassword } from '../../../src/radius/password.js';
import type { OutgoingRequest } from '../../../src/upstream/outgoing-request.js';
import { RandomPool } from '../../../src/upstream/random-pool.js';
import { ReplySigning, SignedServers } from '../../../src/upstream/reply-signing.js';
import { Transport } from '../../../src/upstream/transport.js';
import { UpstreamCounters } from '../../../src/upstream/upstream-counters.js';
import { Responder, reply, sleep } from './responder.js';

const SECRET = Buffer.from('transport-test-secret');
const access = (password = 'pw'): OutgoingRequest => ({
  code: PacketCode.AccessRequest,
  attributes: [rawTlv(Attr.UserName, Buffer.from('alice'))],
  password: Buffer.from(password),
  requireMessageAuthenticator: true,
});

beforeAll(() => loadDictionaries());

/** A signed reply with one octet of its Message-Authenticator flipped and a valid Response Authenticator. */
function tamperMa(req: Frame, signed: Buffer): Buffer {
  const out = Buffer.from(signed);
  out[22] = out[22]! ^ 0xff;
  const h = createHash('md5');
  h.update(out.subarray(0, 4));
  h.update(req.authenticator);
  h.update(out.subarray(20));
  h.update(SECRET);
  h.digest().copy(out, 4);
  return out;
}

/** Class attributes (any value) totalling exactly `octets` on the wire. */
function filler(octets: number): Buffer[] {
  const out: Buffer[] = [];
  for (let left = octets; left > 0; ) {
    // Never leave a remainder of 1 (a TLV is at least 2 octets).
    const n = left > 255 ? (left - 255 === 1 ? 254 : 255) : left;
    out.push(rawTlv(Attr.Class, Buffer.alloc(n - 2, 0x61)));
    left -= n;
  }
  return out;
}

describe('Transport: one upstream port, FIFO Identifiers, retransmission, verified answers', () => {
  let r: Responder;
  let counters: UpstreamCounters;
  let t: Transport;
  const make = (timeoutMs: number, retries: number, sockets = 1) =>
    new Transport(
      { address: '127.0.0.1', port: r.port, secret: SECRET, timeoutMs, retries },
      sockets,
      counters,
      new RandomPool(),
    );
  beforeEach(async () => {
    r = await Responder.start();
    counters = new UpstreamCounters();
  });
  afterEach(async () => {
    await t?.close();
    await r.close();
  });

  it('sends MA first, the password hidden with the secret, our Proxy-State last; returns the verified answer', async () => {
    t = make(500, 0);
    r.handler = (req) => [reply(req, SECRET, PacketCode.AccessAccept)];
    const res = await t.exchange(access('s3cret'), 1000);
    expect(res.kind).toBe('answer');
    const req = r.requests[0]!;
    expect(req.attributes[0]!.type).toBe(Attr.MessageAuthenticator);
    expect(messageAuthenticatorStatus(req, SECRET)).toBe('valid');
    const pw = unhidePassword(firstAttribute(req, Attr.UserPassword)!, SECRET, req.authenticator);
    expect(pw.ok && pw.value.toString()).toBe('s3cret');
    expect(req.attributes.at(-1)!.type).toBe(Attr.ProxyState);
    expect(counters.get('sent')).toBe(1);
    expect(counters.get('answered')).toBe(1);
  });

  it('retransmits the identical packet (same Identifier and authenticator), then times out', async () => {
    t = make(60, 2);
    const res = await t.exchange(access(), 5000);
    expect(res.kind).toBe('timeout');
    expect(r.requests).toHaveLength(3);
    const [a, b, c] = r.requests.map((f) => f.raw.toString('hex'));
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(counters.get('retransmitted')).toBe(2);
    expect(counters.get('timeouts')).toBe(1);
  });

  it('gives up at the caller limit even with retries left', async () => {
    t = make(1000, 5);
    const t0 = Date.now();
    expect((await t.exchange(access(), 150)).kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(600);
    expect(r.requests).toHaveLength(1);
  });

  it('a fresh random authenticator per request; Identifiers FIFO so 256 outstanding never collide', async () => {
    t = make(2000, 0);
    // Answer nothing until all 256 are out, then everything.
    const pending = Array.from({ length: 256 }, () => t.exchange(access(), 3000));
    // Polled, not a fixed sleep: on a loaded machine 256 datagrams can take longer than 100 ms.
    for (let i = 0; i < 200 && r.requests.length < 256; i++) await sleep(10);
    expect(r.requests).toHaveLength(256);
    expect(new Set(r.requests.map((f) => f.identifier)).size).toBe(256);
    expect(new Set(r.requests.map((f) => f.authenticator.toString('hex'))).size).toBe(256);
    // The 257th request on one socket finds no Identifier.
    expect((await t.exchange(access(), 100)).kind).toBe('no_identifier');
    expect(counters.get('no_identifier')).toBe(1);
    for (const [i, req] of r.requests.entries()) r.answer(i, reply(req, SECRET));
    const results = await Promise.all(pending);
    expect(results.every((x) => x.kind === 'answer')).toBe(true);
    // Freed in answer order, so the next Identifier is the first one answered.
    await t.exchange(access(), 100);
    expect(r.requests.at(-1)!.identifier).toBe(r.requests[0]!.identifier);
  });

  it('drops a forged answer (wrong secret, tampered Message-Authenticator) and keeps waiting for the genuine one', async () => {
    t = make(1000, 0);
    r.handler = (req) => [
      reply(req, Buffer.from('wrong-secret')),
      { delayMs: 20, packet: tamperMa(req, reply(req, SECRET, PacketCode.AccessAccept)) },
      { delayMs: 40, packet: reply(req, SECRET, PacketCode.AccessReject) },
    ];
    const res = await t.exchange(access(), 2000);
    expect(res.kind === 'answer' && res.frame.code).toBe(PacketCode.AccessReject);
    expect(counters.get('dropped_bad_authenticator')).toBe(1);
    expect(counters.get('dropped_bad_message_authenticator')).toBe(1);
  });

  it('an authentic but unsigned answer where a signature is required ends the request at once as unsigned', async () => {
    // 2 s per transmission, one retry: the old behaviour waited 4 s for nothing.
    t = make(2000, 1);
    r.handler = (req) => [reply(req, SECRET, PacketCode.AccessAccept, [], false)];
    const t0 = performance.now();
    expect((await t.exchange(access(), 5000)).kind).toBe('unsigned');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.requests).toHaveLength(1);
    expect(counters.get('dropped_missing_message_authenticator')).toBe(1);
    expect(counters.get('refused_unsigned')).toBe(1);
    expect(counters.get('answered')).toBe(0);
    expect(t.freeIdentifiers).toBe(256);
  });

  it('drops an answer with a code that does not answer the request', async () => {
    t = make(150, 0);
    r.handler = (req) => [reply(req, SECRET, PacketCode.AccountingResponse)];
    expect((await t.exchange(access(), 1000)).kind).toBe('timeout');
    expect(counters.get('dropped_unexpected_code')).toBe(1);
  });

  it('counts an answer that arrives after its request timed out as late, not as a forgery', async () => {
    t = make(50, 0);
    r.handler = (req) => [{ delayMs: 150, packet: reply(req, SECRET) }];
    expect((await t.exchange(access(), 1000)).kind).toBe('timeout');
    await sleep(250);
    expect(counters.get('dropped_late')).toBe(1);
    expect(counters.get('dropped_bad_authenticator')).toBe(0);
  });

  it('accepts a Status-Server answer without a Message-Authenticator when not required', async () => {
    t = make(500, 0);
    r.handler = (req) => [reply(req, SECRET, PacketCode.AccessAccept, [], false)];
    const res = await t.exchange(
      { code: PacketCode.StatusServer, attributes: [], requireMessageAuthenticator: false },
      1000,
    );
    expect(res.kind).toBe('answer');
    expect(r.requests[0]!.code).toBe(PacketCode.StatusServer);
  });

  it('a request of exactly 4096 octets is sent; one octet more is too_large and keeps its Identifier free (issue 9)', async () => {
    t = make(500, 0);
    r.handler = (req) => [reply(req, SECRET, PacketCode.AccessReject)];
    // Header 20 + MA 18 + Proxy-State 10 + User-Password 18 + User-Name 7 = 73 octets of our own.
    const sized = (total: number): OutgoingRequest => ({
      ...access(),
      attributes: [...access().attributes, ...filler(total - 73)],
    });
    expect((await t.exchange(sized(4096), 1000)).kind).toBe('answer');
    expect(r.requests[0]!.raw.length).toBe(4096);
    for (let i = 0; i < 300; i++) expect((await t.exchange(sized(4097), 1000)).kind).toBe('too_large');
    expect(counters.get('request_too_large')).toBe(300);
    expect(t.freeIdentifiers).toBe(256);
    expect(r.requests).toHaveLength(1);
    expect((await t.exchange(access(), 1000)).kind).toBe('answer');
  });

  describe('require_message_authenticator false / auto', () => {
    const unsigned = (req: Frame) => [reply(req, SECRET, PacketCode.AccessAccept, [], false)];
    const signed = (req: Frame) => [reply(req, SECRET, PacketCode.AccessReject)];
    const withSigning = (signing: ReplySigning) =>
      new Transport(
        { address: '127.0.0.1', port: r.port, secret: SECRET, timeoutMs: 300, retries: 0 },
        1,
        counters,
        new RandomPool(),
        signing,
      );

    it('false: an unsigned answer with a valid Response Authenticator is accepted (and counted)', async () => {
      t = withSigning(new ReplySigning(false, 'k', new SignedServers()));
      r.handler = unsigned;
      expect((await t.exchange(access(), 1000)).kind).toBe('answer');
      expect(counters.get('accepted_unsigned')).toBe(1);
      // A wrong secret is still a forgery.
      r.handler = (req) => [reply(req, Buffer.from('wrong-secret'), PacketCode.AccessAccept, [], false)];
      expect((await t.exchange(access(), 1000)).kind).toBe('timeout');
      expect(counters.get('dropped_bad_authenticator')).toBe(1);
    });

    it('auto: unsigned accepted until the first signed answer, refused from then on, also by a new transport (reload)', async () => {
      const memory = new SignedServers();
      let learned = 0;
      const signing = () => new ReplySigning('auto', 'srv', memory, { learned: () => learned++ });
      t = withSigning(signing());
      r.handler = unsigned;
      expect((await t.exchange(access(), 1000)).kind).toBe('answer');
      expect((await t.exchange(access(), 1000)).kind).toBe('answer');
      r.handler = signed;
      expect((await t.exchange(access(), 1000)).kind).toBe('answer');
      expect(learned).toBe(1);
      r.handler = unsigned;
      expect((await t.exchange(access(), 1000)).kind).toBe('unsigned');
      await t.close();
      // The memory outlives the transport: a config reload builds new ones.
      t = withSigning(signing());
      expect((await t.exchange(access(), 1000)).kind).toBe('unsigned');
      expect(learned).toBe(1);
      expect(counters.get('accepted_unsigned')).toBe(2);
      expect(counters.get('refused_unsigned')).toBe(2);
    });

    it('auto: a signed answer to a Status-Server probe teaches nothing', async () => {
      const memory = new SignedServers();
      t = withSigning(new ReplySigning('auto', 'srv', memory));
      r.handler = (req) => [reply(req, SECRET, PacketCode.AccessAccept)];
      await t.exchange(
        { code: PacketCode.StatusServer, attributes: [], requireMessageAuthenticator: false },
        1000,
      );
      expect(memory.has('srv')).toBe(false);
      r.handler = unsigned;
      expect((await t.exchange(access(), 1000)).kind).toBe('answer');
    });
  });

  it('close() resolves outstanding requests as closed', async () => {
    t = make(5000, 0);
    const p = t.exchange(access(), 5000);
    await sleep(20);
    await t.close();
    expect((await p).kind).toBe('closed');
    expect((await t.exchange(access(), 100)).kind).toBe('closed');
  });
});
