import { describe, expect, it } from 'vitest';
import { Attr, PacketCode, packetCodeName } from '../../../src/radius/codes.js';
import {
  allAttributes,
  countAttributes,
  type FrameError,
  firstAttribute,
  parseFrame,
} from '../../../src/radius/frame.js';
import { buildRequest } from '../../../src/radius/request.js';
import { rawTlv } from '../../../src/radius/attributes.js';
import { frameOf, hex } from './helpers.js';

/** A packet of `length` octets: header with that Length, then the given attribute bytes, zero-filled. */
function packet(length: number, attrBytes: number[] = [], total = length): Buffer {
  const b = Buffer.alloc(total);
  b[0] = PacketCode.AccessRequest;
  b[1] = 7;
  b.writeUInt16BE(length, 2);
  Buffer.from(attrBytes).copy(b, 20);
  return b;
}

/** Fills `length` octets with attributes of type 1 so the walk ends exactly at Length. */
function filled(length: number): Buffer {
  const b = packet(length);
  let off = 20;
  while (off < length) {
    const n = Math.min(255, length - off);
    // Leave room for a final attribute of at least 2 octets.
    const len = length - off - n === 1 ? n - 1 : n;
    b[off] = Attr.UserName;
    b[off + 1] = len;
    off += len;
  }
  return b;
}

describe('parseFrame: framing checks (RFC 2865 §3, §5)', () => {
  const cases: [string, Buffer, FrameError][] = [
    ['empty datagram', Buffer.alloc(0), 'too_short'],
    ['19-octet datagram', Buffer.alloc(19), 'too_short'],
    ['Length field 19', packet(19, [], 20), 'too_short'],
    ['Length field 0', packet(0, [], 20), 'too_short'],
    ['Length field 4097', packet(4097, [], 4097), 'too_long'],
    ['Length field 65535', packet(65535, [], 100), 'too_long'],
    ['Length beyond the datagram', packet(30, [], 29), 'length_mismatch'],
    ['attribute Length 0', packet(22, [1, 0]), 'bad_attribute_length'],
    ['attribute Length 1', packet(22, [1, 1]), 'bad_attribute_length'],
    ['attribute running past Length', packet(24, [1, 6, 0x61, 0x62]), 'attribute_overrun'],
    [
      'attribute running past Length into padding',
      packet(24, [1, 6, 0x61, 0x62, 0x63, 0x64], 30),
      'attribute_overrun',
    ],
    ['lone type octet at the end', packet(21, [1]), 'attribute_overrun'],
    ['second attribute overruns', packet(26, [1, 3, 0x61, 2, 5, 0]), 'attribute_overrun'],
  ];
  it.each(cases)('%s → %s', (_name, datagram, expected) => {
    expect(parseFrame(datagram)).toEqual({ ok: false, error: expected });
  });

  it('accepts the exact boundaries 20 and 4096', () => {
    const min = frameOf(packet(20));
    expect(min.length).toBe(20);
    expect(min.attributes).toEqual([]);
    const max = frameOf(filled(4096));
    expect(max.length).toBe(4096);
    expect(max.raw.length).toBe(4096);
    expect(max.attributes.reduce((n, a) => n + a.value.length + 2, 0)).toBe(4096 - 20);
  });

  it('ignores padding past Length (RFC 2865 §3) and exposes exactly Length octets', () => {
    const datagram = packet(26, [1, 6, 0x6e, 0x65, 0x6d, 0x6f], 40);
    datagram.fill(0xee, 26);
    const f = frameOf(datagram);
    expect(f.raw.length).toBe(26);
    expect(f.attributes).toHaveLength(1);
    expect(firstAttribute(f, Attr.UserName)?.toString()).toBe('nemo');
  });

  it('accepts padding past Length even beyond 4096 octets', () => {
    const f = frameOf(packet(22, [24, 2], 5000));
    expect(f.length).toBe(22);
    expect(f.attributes).toEqual([{ type: 24, value: Buffer.alloc(0), offset: 20 }]);
  });

  it('returns views, not copies, with offsets of each type octet', () => {
    const datagram = hex(`01 2a 00 1c ${'00'.repeat(16)} 01 04 61 62 21 04 01 02`);
    const f = frameOf(datagram);
    expect(f.code).toBe(1);
    expect(f.identifier).toBe(42);
    expect(f.attributes.map((a) => [a.type, a.offset])).toEqual([
      [1, 20],
      [33, 24],
    ]);
    datagram[22] = 0x7a;
    expect(f.attributes[0]!.value.toString()).toBe('zb');
    expect(f.authenticator.buffer).toBe(datagram.buffer);
  });
});

describe('attribute accessors', () => {
  const f = frameOf(
    buildRequest({
      code: PacketCode.AccessRequest,
      identifier: 1,
      secret: Buffer.from('s'),
      authenticator: Buffer.alloc(16, 1),
      attributes: [
        rawTlv(33, hex('01')),
        rawTlv(1, Buffer.from('bob')),
        rawTlv(33, hex('02 03')),
        rawTlv(33, hex('04')),
      ],
    }),
  );
  it('firstAttribute finds the first, or undefined', () => {
    expect(firstAttribute(f, Attr.UserName)?.toString()).toBe('bob');
    expect(firstAttribute(f, Attr.ProxyState)).toEqual(hex('01'));
    expect(firstAttribute(f, Attr.State)).toBeUndefined();
  });
  it('allAttributes keeps wire order; countAttributes counts', () => {
    expect(allAttributes(f, Attr.ProxyState)).toEqual([hex('01'), hex('02 03'), hex('04')]);
    expect(allAttributes(f, Attr.State)).toEqual([]);
    expect(countAttributes(f, Attr.ProxyState)).toBe(3);
    expect(countAttributes(f, Attr.MessageAuthenticator)).toBe(1);
  });
});

describe('round trips: parse(build(x)) gives x, build is deterministic', () => {
  const secret = Buffer.from('round-trip-secret');
  const cases = [
    {
      code: PacketCode.AccessRequest,
      identifier: 0,
      attrs: [
        [1, 'alice'],
        [32, 'nas-1'],
      ],
    },
    { code: PacketCode.AccessRequest, identifier: 255, attrs: [] },
    { code: PacketCode.StatusServer, identifier: 17, attrs: [[32, 'probe']] },
    {
      code: PacketCode.AccountingRequest,
      identifier: 99,
      attrs: [
        [44, 'session-1'],
        [1, 'bob'],
      ],
    },
    { code: PacketCode.AccessRequest, identifier: 3, attrs: [[26, 'x'.repeat(253)]] },
  ] as const;
  it.each(cases)('code $code id $identifier', ({ code, identifier, attrs }) => {
    const random = code === PacketCode.AccessRequest || code === PacketCode.StatusServer;
    const args = {
      code,
      identifier,
      secret,
      ...(random ? { authenticator: Buffer.alloc(16, identifier) } : {}),
      attributes: attrs.map(([t, v]) => rawTlv(t, Buffer.from(v))),
    };
    const bytes = buildRequest(args);
    expect(buildRequest(args).equals(bytes)).toBe(true);
    const f = frameOf(bytes);
    expect(f.code).toBe(code);
    expect(f.identifier).toBe(identifier);
    expect(f.length).toBe(bytes.length);
    const nonMa = f.attributes.filter((a) => a.type !== Attr.MessageAuthenticator);
    expect(nonMa.map((a) => [a.type, a.value.toString()])).toEqual(attrs.map(([t, v]) => [t, v]));
  });

  it('names packet codes for logs', () => {
    expect(packetCodeName(12)).toBe('StatusServer');
    expect(packetCodeName(99)).toBe('Code-99');
  });
});
