import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import {
  messageAuthenticatorStatus,
  verifyAccountingRequest,
  verifyResponse,
} from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { allAttributes, firstAttribute } from '../../../src/radius/frame.js';
import { hidePassword, unhidePassword } from '../../../src/radius/password.js';
import { accessRequestAuthenticator, buildRequest } from '../../../src/radius/request.js';
import { buildResponse } from '../../../src/radius/response.js';
import { AppError } from '../../../src/shared/errors.js';
import { frameOf, hex, SeededRng } from './helpers.js';

const secret = Buffer.from('builder-secret');
const rng = new SeededRng(3579);

/** TLVs of type 11 adding up to exactly `n` octets (n = 0 or n >= 2). */
function filler(n: number): Buffer[] {
  const out: Buffer[] = [];
  let left = n;
  while (left > 0) {
    let len = Math.min(255, left);
    if (left - len === 1) len--;
    out.push(rawTlv(Attr.FilterId, Buffer.alloc(len - 2, 0x66)));
    left -= len;
  }
  return out;
}

const request = (proxyStates: Buffer[] = [], code: number = PacketCode.AccessRequest) =>
  frameOf(
    buildRequest({
      code,
      identifier: 77,
      secret,
      ...(code === PacketCode.AccountingRequest ? {} : { authenticator: rng.bytes(16) }),
      attributes: [
        rawTlv(Attr.UserName, Buffer.from('carol')),
        ...proxyStates.map((p) => rawTlv(Attr.ProxyState, p)),
      ],
    }),
  );

const ok = <T>(r: { ok: true; value: T } | { ok: false; error: string }): T => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('buildResponse', () => {
  it('puts the MA first, then the attributes, then every Proxy-State in order', () => {
    const req = request([hex('01'), hex('0203'), hex('04')]);
    const reply = frameOf(
      ok(
        buildResponse({
          code: PacketCode.AccessChallenge,
          request: req,
          secret,
          attributes: [
            rawTlv(Attr.ReplyMessage, Buffer.from('code?')),
            rawTlv(Attr.State, Buffer.from('st')),
          ],
        }),
      ),
    );
    expect(reply.code).toBe(PacketCode.AccessChallenge);
    expect(reply.identifier).toBe(77);
    expect(reply.attributes.map((a) => a.type)).toEqual([80, 18, 24, 33, 33, 33]);
    expect(allAttributes(reply, Attr.ProxyState)).toEqual([hex('01'), hex('0203'), hex('04')]);
    expect(verifyResponse(reply, req.authenticator, secret, { requireMessageAuthenticator: true })).toBe(
      'valid',
    );
  });

  it('computes MA then Response Authenticator exactly as RFC 3579 §3.2 / RFC 2865 §3 say', () => {
    const req = request([hex('aa')]);
    const bytes = ok(
      buildResponse({
        code: PacketCode.AccessAccept,
        request: req,
        secret,
        attributes: [rawTlv(25, Buffer.from('c'))],
      }),
    );
    const expected = Buffer.from(bytes);
    expected.fill(0, 22, 38);
    req.authenticator.copy(expected, 4);
    createHmac('md5', secret).update(expected).digest().copy(expected, 22);
    createHash('md5').update(expected).update(secret).digest().copy(expected, 4);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });

  it('is deterministic: the same inputs give the same bytes', () => {
    const req = request([hex('05')]);
    const args = {
      code: PacketCode.AccessReject,
      request: req,
      secret,
      attributes: [rawTlv(18, Buffer.from('no'))],
    };
    expect(ok(buildResponse(args)).equals(ok(buildResponse(args)))).toBe(true);
  });

  it('Accounting-Response: MA over a zeroed vector (as FreeRADIUS verifies), request vector for Status-Server', () => {
    const acct = request([], PacketCode.AccountingRequest);
    const reply = ok(
      buildResponse({ code: PacketCode.AccountingResponse, request: acct, secret, attributes: [] }),
    );
    const zeroed = Buffer.from(reply);
    zeroed.fill(0, 4, 20);
    zeroed.fill(0, 22, 38);
    expect(createHmac('md5', secret).update(zeroed).digest()).toEqual(reply.subarray(22, 38));
    expect(
      verifyResponse(frameOf(reply), acct.authenticator, secret, { requireMessageAuthenticator: true }),
    ).toBe('valid');

    const status = request([], PacketCode.StatusServer);
    const statusReply = ok(
      buildResponse({ code: PacketCode.AccountingResponse, request: status, secret, attributes: [] }),
    );
    const withVector = Buffer.from(statusReply);
    withVector.fill(0, 22, 38);
    status.authenticator.copy(withVector, 4);
    expect(createHmac('md5', secret).update(withVector).digest()).toEqual(statusReply.subarray(22, 38));
  });

  it('can leave the MA out when asked', () => {
    const req = request();
    const reply = frameOf(
      ok(
        buildResponse({
          code: PacketCode.AccountingResponse,
          request: req,
          secret,
          attributes: [],
          messageAuthenticator: false,
        }),
      ),
    );
    expect(reply.length).toBe(20);
    expect(verifyResponse(reply, req.authenticator, secret, { requireMessageAuthenticator: false })).toBe(
      'valid',
    );
  });

  it('fits exactly 4096 octets and refuses 4097, counting echoed Proxy-States', () => {
    const plain = request();
    expect(ok(buildResponse({ code: 2, request: plain, secret, attributes: filler(4096 - 38) })).length).toBe(
      4096,
    );
    expect(buildResponse({ code: 2, request: plain, secret, attributes: filler(4097 - 38) })).toEqual({
      ok: false,
      error: 'too_long',
    });
    const proxied = request([Buffer.alloc(100, 1)]);
    expect(
      ok(buildResponse({ code: 2, request: proxied, secret, attributes: filler(4096 - 38 - 102) })).length,
    ).toBe(4096);
    expect(buildResponse({ code: 2, request: proxied, secret, attributes: filler(4097 - 38 - 102) }).ok).toBe(
      false,
    );
  });

  it('throws on malformed TLVs or a caller-supplied MA (bugs, not outcomes)', () => {
    const req = request();
    expect(() => buildResponse({ code: 2, request: req, secret, attributes: [hex('0b05')] })).toThrow(
      AppError,
    );
    expect(() => buildResponse({ code: 2, request: req, secret, attributes: [hex('0b01')] })).toThrow(
      AppError,
    );
    expect(() =>
      buildResponse({ code: 2, request: req, secret, attributes: [rawTlv(80, Buffer.alloc(16))] }),
    ).toThrow(AppError);
  });
});

describe('buildRequest', () => {
  it('Access-Request: random authenticator, MA first and valid, password hidden with the same authenticator', () => {
    const authenticator = accessRequestAuthenticator(rng);
    expect(authenticator.length).toBe(16);
    const packet = buildRequest({
      code: PacketCode.AccessRequest,
      identifier: 3,
      secret,
      authenticator,
      attributes: [
        rawTlv(Attr.UserName, Buffer.from('dave')),
        rawTlv(Attr.UserPassword, hidePassword(Buffer.from('pw'), secret, authenticator)),
      ],
    });
    const f = frameOf(packet);
    expect(f.authenticator).toEqual(authenticator);
    expect(f.attributes[0]!.type).toBe(Attr.MessageAuthenticator);
    expect(messageAuthenticatorStatus(f, secret)).toBe('valid');
    expect(unhidePassword(firstAttribute(f, Attr.UserPassword)!, secret, f.authenticator)).toEqual({
      ok: true,
      value: Buffer.from('pw'),
    });
  });

  it('defaults: MA on Access-Request and Status-Server, off on Accounting-Request; overridable', () => {
    const has = (code: number, addMessageAuthenticator?: boolean) =>
      firstAttribute(
        frameOf(
          buildRequest({
            code,
            identifier: 1,
            secret,
            ...(code === PacketCode.AccountingRequest ? {} : { authenticator: rng.bytes(16) }),
            attributes: [],
            ...(addMessageAuthenticator === undefined ? {} : { addMessageAuthenticator }),
          }),
        ),
        Attr.MessageAuthenticator,
      ) !== undefined;
    expect(has(PacketCode.AccessRequest)).toBe(true);
    expect(has(PacketCode.StatusServer)).toBe(true);
    expect(has(PacketCode.AccountingRequest)).toBe(false);
    expect(has(PacketCode.AccountingRequest, true)).toBe(true);
    expect(has(PacketCode.AccessRequest, false)).toBe(false);
  });

  it('Accounting-Request: computed authenticator (RFC 2866 §3), with or without MA', () => {
    for (const addMessageAuthenticator of [false, true]) {
      const f = frameOf(
        buildRequest({
          code: PacketCode.AccountingRequest,
          identifier: 9,
          secret,
          attributes: [rawTlv(Attr.AcctSessionId, Buffer.from('sid'))],
          addMessageAuthenticator,
        }),
      );
      expect(verifyAccountingRequest(f, secret)).toBe(true);
      expect(verifyAccountingRequest(f, Buffer.from('other'))).toBe(false);
    }
  });

  it('refuses bad arguments with AppError', () => {
    const base = { identifier: 1, secret, attributes: [] };
    expect(() => buildRequest({ ...base, code: PacketCode.AccessRequest })).toThrow(AppError);
    expect(() =>
      buildRequest({ ...base, code: PacketCode.StatusServer, authenticator: Buffer.alloc(15) }),
    ).toThrow(AppError);
    expect(() =>
      buildRequest({ ...base, code: PacketCode.AccountingRequest, authenticator: Buffer.alloc(16) }),
    ).toThrow(AppError);
    expect(() => buildRequest({ ...base, code: PacketCode.AccountingRequest, identifier: 256 })).toThrow(
      AppError,
    );
    expect(() =>
      buildRequest({ ...base, code: PacketCode.AccountingRequest, attributes: filler(4097 - 20) }),
    ).toThrow(AppError);
    expect(
      buildRequest({ ...base, code: PacketCode.AccountingRequest, attributes: filler(4096 - 20) }).length,
    ).toBe(4096);
  });
});
