import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import {
  messageAuthenticatorStatus,
  verifyAccountingRequest,
  verifyResponse,
} from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { type Frame, parseFrame } from '../../../src/radius/frame.js';
import { buildRequest } from '../../../src/radius/request.js';
import { buildResponse } from '../../../src/radius/response.js';
import { frameOf, SeededRng } from './helpers.js';

const secret = Buffer.from('s3cr3t-shared');
const wrong = Buffer.from('s3cr3t-sharee');
const rng = new SeededRng(2865);

const accessRequest = (attrs: Buffer[] = [rawTlv(Attr.UserName, Buffer.from('alice'))], ma = true) =>
  buildRequest({
    code: PacketCode.AccessRequest,
    identifier: 9,
    secret,
    authenticator: rng.bytes(16),
    attributes: attrs,
    addMessageAuthenticator: ma,
  });

/** Appends raw octets to a packet and fixes its Length (to craft malformed-but-framed packets). */
function append(packet: Buffer, extra: Buffer): Buffer {
  const out = Buffer.concat([packet, extra]);
  out.writeUInt16BE(out.length, 2);
  return out;
}

/** Recomputes a reply's Response Authenticator so only its MA is wrong. */
function reseal(reply: Buffer, requestAuthenticator: Buffer): Buffer {
  const out = Buffer.from(reply);
  createHash('md5')
    .update(out.subarray(0, 4))
    .update(requestAuthenticator)
    .update(out.subarray(20))
    .update(secret)
    .digest()
    .copy(out, 4);
  return out;
}

/** Every single-bit flip of `packet` that still frames; calls `check` with the flipped frame. */
function forEachBitFlip(packet: Buffer, check: (f: Frame, byte: number) => void): number {
  let checked = 0;
  for (let byte = 0; byte < packet.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = Buffer.from(packet);
      flipped[byte]! ^= 1 << bit;
      const f = parseFrame(flipped);
      if (!f.ok) continue;
      check(f.value, byte);
      checked++;
    }
  }
  return checked;
}

describe('messageAuthenticatorStatus (RFC 3579 §3.2, RFC 5997 §3)', () => {
  const duplicateMa = () => {
    const p = accessRequest();
    return append(p, p.subarray(20, 38));
  };
  const maOfLength = (n: number) => {
    const p = accessRequest([], false);
    return append(p, Buffer.concat([Buffer.from([Attr.MessageAuthenticator, n + 2]), Buffer.alloc(n)]));
  };
  const cases: [string, () => Buffer, Buffer, string][] = [
    ['Access-Request with MA', () => accessRequest(), secret, 'valid'],
    ['Access-Request with MA, wrong secret', () => accessRequest(), wrong, 'invalid'],
    ['Access-Request without MA', () => accessRequest(undefined, false), secret, 'absent'],
    ['two MAs', duplicateMa, secret, 'invalid'],
    ['MA of 15 octets', () => maOfLength(15), secret, 'invalid'],
    ['MA of 17 octets', () => maOfLength(17), secret, 'invalid'],
    ['MA of 0 octets', () => maOfLength(0), secret, 'invalid'],
    [
      'Status-Server with MA',
      () =>
        buildRequest({
          code: PacketCode.StatusServer,
          identifier: 1,
          secret,
          authenticator: rng.bytes(16),
          attributes: [],
        }),
      secret,
      'valid',
    ],
    [
      'Accounting-Request with MA (zeroed header vector)',
      () =>
        buildRequest({
          code: PacketCode.AccountingRequest,
          identifier: 1,
          secret,
          attributes: [rawTlv(Attr.AcctSessionId, Buffer.from('s1'))],
          addMessageAuthenticator: true,
        }),
      secret,
      'valid',
    ],
  ];
  it.each(cases)('%s → %s', (_name, make, key, expected) => {
    expect(messageAuthenticatorStatus(frameOf(make()), key)).toBe(expected);
  });

  it('the MA is accepted wherever it sits, not only first', () => {
    const p = accessRequest([rawTlv(Attr.UserName, Buffer.from('bob'))], false);
    const withMa = append(p, Buffer.concat([Buffer.from([80, 18]), Buffer.alloc(16)]));
    createHmac('md5', secret)
      .update(withMa)
      .digest()
      .copy(withMa, withMa.length - 16);
    expect(messageAuthenticatorStatus(frameOf(withMa), secret)).toBe('valid');
  });

  it('every single-bit flip of a signed Status-Server is rejected', () => {
    const p = buildRequest({
      code: PacketCode.StatusServer,
      identifier: 200,
      secret,
      authenticator: rng.bytes(16),
      attributes: [rawTlv(Attr.NasIdentifier, Buffer.from('probe'))],
    });
    const n = forEachBitFlip(p, (f) => {
      expect(['invalid', 'absent']).toContain(messageAuthenticatorStatus(f, secret));
    });
    expect(n).toBeGreaterThan(8 * 30);
  });
});

describe('verifyAccountingRequest (RFC 2866 §3)', () => {
  const acct = (ma: boolean) =>
    buildRequest({
      code: PacketCode.AccountingRequest,
      identifier: 4,
      secret,
      attributes: [
        rawTlv(Attr.AcctStatusType, Buffer.from([0, 0, 0, 1])),
        rawTlv(Attr.AcctSessionId, Buffer.from('abc')),
      ],
      addMessageAuthenticator: ma,
    });

  it('accepts a correct authenticator, with or without MA', () => {
    expect(verifyAccountingRequest(frameOf(acct(false)), secret)).toBe(true);
    expect(verifyAccountingRequest(frameOf(acct(true)), secret)).toBe(true);
    expect(verifyAccountingRequest(frameOf(acct(true)), wrong)).toBe(false);
  });

  it('rejects every single-bit flip', () => {
    for (const ma of [false, true]) {
      forEachBitFlip(acct(ma), (f) => expect(verifyAccountingRequest(f, secret)).toBe(false));
    }
  });

  it('rejects a bad MA even when the authenticator matches', () => {
    const p = acct(true);
    p[25]! ^= 0x80;
    createHash('md5')
      .update(p.subarray(0, 4))
      .update(Buffer.alloc(16))
      .update(p.subarray(20))
      .update(secret)
      .digest()
      .copy(p, 4);
    expect(verifyAccountingRequest(frameOf(p), secret)).toBe(false);
  });
});

describe('verifyResponse (RFC 2865 §3, RFC 3579 §3.2)', () => {
  const strict = { requireMessageAuthenticator: true };
  const lenient = { requireMessageAuthenticator: false };
  const request = frameOf(accessRequest());
  const reply = (ma = true, code: number = PacketCode.AccessAccept, req = request) => {
    const r = buildResponse({
      code,
      request: req,
      secret,
      attributes: [rawTlv(Attr.ReplyMessage, Buffer.from('welcome'))],
      messageAuthenticator: ma,
    });
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };

  it('valid with MA; missing MA per policy; wrong secret or request is a bad authenticator', () => {
    expect(verifyResponse(frameOf(reply()), request.authenticator, secret, strict)).toBe('valid');
    expect(verifyResponse(frameOf(reply(false)), request.authenticator, secret, lenient)).toBe('valid');
    expect(verifyResponse(frameOf(reply(false)), request.authenticator, secret, strict)).toBe(
      'missing_message_authenticator',
    );
    expect(verifyResponse(frameOf(reply()), request.authenticator, wrong, strict)).toBe('bad_authenticator');
    expect(verifyResponse(frameOf(reply()), rng.bytes(16), secret, strict)).toBe('bad_authenticator');
  });

  it('a wrong MA under a valid Response Authenticator is bad_message_authenticator', () => {
    for (let byte = 22; byte < 38; byte++) {
      const r = reply();
      r[byte]! ^= 0x01;
      expect(
        verifyResponse(frameOf(reseal(r, request.authenticator)), request.authenticator, secret, lenient),
      ).toBe('bad_message_authenticator');
    }
  });

  it('two MAs are refused', () => {
    const r = reseal(append(reply(), reply().subarray(20, 38)), request.authenticator);
    expect(verifyResponse(frameOf(r), request.authenticator, secret, lenient)).toBe(
      'bad_message_authenticator',
    );
  });

  it('every single-bit flip of a reply is refused', () => {
    forEachBitFlip(reply(), (f) => {
      expect(verifyResponse(f, request.authenticator, secret, lenient)).not.toBe('valid');
    });
  });

  it('Accounting-Response: MA over a zeroed vector (FreeRADIUS) or the request authenticator both verify', () => {
    const acctReq = frameOf(
      buildRequest({
        code: PacketCode.AccountingRequest,
        identifier: 8,
        secret,
        attributes: [rawTlv(44, Buffer.from('x'))],
      }),
    );
    const zeroVector = reply(true, PacketCode.AccountingResponse, acctReq);
    expect(verifyResponse(frameOf(zeroVector), acctReq.authenticator, secret, strict)).toBe('valid');
    const status = frameOf(
      buildRequest({
        code: PacketCode.StatusServer,
        identifier: 8,
        secret,
        authenticator: rng.bytes(16),
        attributes: [],
      }),
    );
    const requestVector = reply(true, PacketCode.AccountingResponse, status);
    expect(verifyResponse(frameOf(requestVector), status.authenticator, secret, strict)).toBe('valid');
  });
});
