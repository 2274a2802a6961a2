import radius from 'radius';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawTlv, replyMessageAttributes } from '../../../src/radius/attributes.js';
import { messageAuthenticatorStatus, verifyResponse } from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { buildRequest } from '../../../src/radius/request.js';
import { buildResponse } from '../../../src/radius/response.js';
import { encoded, frameOf, SeededRng } from './helpers.js';

/**
 * The `radius` package as an independent implementation: what we build, it accepts; what it builds,
 * we accept. Its comparisons are lossy (UTF-8 string compare of binary digests, notes/dependencies.md),
 * which the last block demonstrates against our constant-time byte compare.
 */

const SECRET = 'oracle-secret';
const secret = Buffer.from(SECRET);
type EncodeArgs = Parameters<typeof radius.encode>[0] & { authenticator?: Buffer };

beforeAll(() => loadDictionaries());

function radiusRequest(rng: SeededRng, i: number, code = 'Access-Request'): Buffer {
  const args: EncodeArgs = {
    code,
    secret: SECRET,
    identifier: i % 256,
    authenticator: rng.bytes(16),
    add_message_authenticator: true,
    attributes: [
      ['User-Name', `user-${i}`],
      ['NAS-Identifier', 'nas'],
      ['Proxy-State', rng.bytes(1 + rng.int(20))],
      ['Proxy-State', rng.bytes(1 + rng.int(20))],
    ],
  };
  return radius.encode(args);
}

const replyAttributes = (i: number): Buffer[] => [
  ...replyMessageAttributes(`reply ${i} `.repeat(1 + (i % 40))),
  rawTlv(Attr.Class, Buffer.from(`class-${i}`)),
  ...encoded('Fortinet-Group-Name', `group-${i}`),
];

describe('the radius package accepts what we build', () => {
  it('buildResponse replies pass radius.verify_response (MA first, Proxy-State echoed)', () => {
    const rng = new SeededRng(1);
    const codes = [PacketCode.AccessAccept, PacketCode.AccessReject, PacketCode.AccessChallenge];
    for (let i = 0; i < 300; i++) {
      const requestBytes = radiusRequest(rng, i);
      const request = frameOf(requestBytes);
      const built = buildResponse({ code: codes[i % 3]!, request, secret, attributes: replyAttributes(i) });
      if (!built.ok) throw new Error(built.error);
      const ok = radius.verify_response({ request: requestBytes, response: built.value, secret: SECRET });
      expect(ok).toBe(true);
      const decoded = radius.decode({ packet: built.value, secret: SECRET });
      expect(decoded.raw_attributes[0]![0]).toBe(Attr.MessageAuthenticator);
      const proxyStates = decoded.raw_attributes.filter((a) => a[0] === Attr.ProxyState).map((a) => a[1]);
      const sent = request.attributes.filter((a) => a.type === Attr.ProxyState).map((a) => a.value);
      expect(proxyStates).toEqual(sent);
    }
  });

  it('buildRequest packets pass radius.decode, which checks their MA', () => {
    const rng = new SeededRng(2);
    for (let i = 0; i < 100; i++) {
      const code = i % 2 === 0 ? PacketCode.AccessRequest : PacketCode.StatusServer;
      const packet = buildRequest({
        code,
        identifier: i,
        secret,
        authenticator: rng.bytes(16),
        attributes: [rawTlv(Attr.UserName, Buffer.from(`u${i}`))],
      });
      const decoded = radius.decode({ packet, secret: SECRET });
      expect(decoded.code).toBe(code === PacketCode.AccessRequest ? 'Access-Request' : 'Status-Server');
      expect(decoded.attributes['Message-Authenticator']).toBeInstanceOf(Buffer);
    }
  });

  it('our Accounting-Request authenticator passes radius.decode (which verifies it)', () => {
    const packet = buildRequest({
      code: PacketCode.AccountingRequest,
      identifier: 5,
      secret,
      attributes: [
        rawTlv(Attr.AcctSessionId, Buffer.from('sess')),
        rawTlv(Attr.AcctStatusType, Buffer.from([0, 0, 0, 2])),
      ],
    });
    expect(radius.decode({ packet, secret: SECRET }).attributes['Acct-Status-Type']).toBe('Stop');
    expect(() => radius.decode({ packet, secret: 'other' })).toThrow(/authenticator mismatch/);
  });
});

describe('we accept what the radius package builds', () => {
  it('radius.encode requests with add_message_authenticator are valid; wrong secret is invalid', () => {
    const rng = new SeededRng(3);
    for (let i = 0; i < 300; i++) {
      const f = frameOf(radiusRequest(rng, i, i % 3 === 0 ? 'Status-Server' : 'Access-Request'));
      expect(messageAuthenticatorStatus(f, secret)).toBe('valid');
      expect(messageAuthenticatorStatus(f, Buffer.from('oracle-secreT'))).toBe('invalid');
    }
  });

  it('radius.encode_response replies verify against our verifyResponse', () => {
    const rng = new SeededRng(4);
    for (let i = 0; i < 100; i++) {
      const requestBytes = radiusRequest(rng, i);
      const packet = radius.decode({ packet: requestBytes, secret: SECRET });
      const reply = radius.encode_response({
        packet,
        code: 'Access-Accept',
        secret: SECRET,
        attributes: [['Reply-Message', `ok ${i}`]],
      });
      const request = frameOf(requestBytes);
      expect(
        verifyResponse(frameOf(reply), request.authenticator, secret, { requireMessageAuthenticator: true }),
      ).toBe('valid');
    }
  });
});

describe('single-bit flips: the radius package compares lossily, we do not', () => {
  it('MA flips in requests: radius.decode accepts some, messageAuthenticatorStatus accepts none', () => {
    const rng = new SeededRng(5);
    let radiusAccepted = 0;
    let oursAccepted = 0;
    let flips = 0;
    for (let i = 0; i < 40; i++) {
      const packet = radiusRequest(rng, i);
      const maValue =
        frameOf(packet).attributes.find((a) => a.type === Attr.MessageAuthenticator)!.offset + 2;
      for (let bit = 0; bit < 128; bit++) {
        const flipped = Buffer.from(packet);
        flipped[maValue + (bit >> 3)]! ^= 1 << (bit & 7);
        flips++;
        if (messageAuthenticatorStatus(frameOf(flipped), secret) === 'valid') oursAccepted++;
        try {
          radius.decode({ packet: flipped, secret: SECRET });
          radiusAccepted++;
        } catch {
          // rejected
        }
      }
    }
    expect(flips).toBe(40 * 128);
    expect(oursAccepted).toBe(0);
    expect(radiusAccepted).toBeGreaterThan(0);
  });

  it('Response Authenticator flips: radius.verify_response accepts some, verifyResponse accepts none', () => {
    const rng = new SeededRng(6);
    let radiusAccepted = 0;
    let oursAccepted = 0;
    for (let i = 0; i < 40; i++) {
      const requestBytes = radiusRequest(rng, i);
      const request = frameOf(requestBytes);
      const built = buildResponse({ code: PacketCode.AccessAccept, request, secret, attributes: [] });
      if (!built.ok) throw new Error(built.error);
      for (let bit = 0; bit < 128; bit++) {
        const flipped = Buffer.from(built.value);
        flipped[4 + (bit >> 3)]! ^= 1 << (bit & 7);
        const ours = verifyResponse(frameOf(flipped), request.authenticator, secret, {
          requireMessageAuthenticator: true,
        });
        if (ours === 'valid') oursAccepted++;
        if (radius.verify_response({ request: requestBytes, response: flipped, secret: SECRET }))
          radiusAccepted++;
      }
    }
    expect(oursAccepted).toBe(0);
    expect(radiusAccepted).toBeGreaterThan(0);
  });
});
