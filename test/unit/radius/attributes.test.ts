import radius from 'radius';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeAttributes,
  encodeAttribute,
  MAX_VSA_VALUE_LENGTH,
  rawTlv,
  replyMessageAttributes,
  vendorTlv,
} from '../../../src/radius/attributes.js';
import { PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { buildRequest } from '../../../src/radius/request.js';
import { AppError } from '../../../src/shared/errors.js';
import { encoded, frameOf, hex } from './helpers.js';

beforeAll(() => loadDictionaries());

const wire = (name: string | number, value: string | number | Buffer) =>
  encoded(name, value).map((b) => b.toString('hex'));

describe('encodeAttribute: standard attributes by dictionary type', () => {
  const cases: [string | number, string | number | Buffer, string[]][] = [
    ['Filter-Id', 'vpn', ['0b0576706e']],
    ['filter-id', 100, ['0b05313030']],
    ['Service-Type', 'Framed-User', ['060600000002']],
    ['Service-Type', 2, ['060600000002']],
    ['Service-Type', '8', ['060600000008']],
    ['Session-Timeout', 4294967295, ['1b06ffffffff']],
    ['Framed-IP-Address', '10.0.0.1', ['08060a000001']],
    ['Framed-IP-Address', hex('c0a80001'), ['0806c0a80001']],
    ['NAS-IPv6-Address', '2001:db8::1', ['5f1220010db8000000000000000000000001']],
    ['NAS-IPv6-Address', '::ffff:192.0.2.1', ['5f1200000000000000000000ffffc0000201']],
    ['Framed-IPv6-Prefix', '2001:db8::/32', ['61080020' + '20010db8']],
    ['Framed-IPv6-Prefix', '::/0', ['61040000']],
    ['Event-Timestamp', 1700000000, ['37066553f100']],
    ['Event-Timestamp', '2023-11-14T22:13:20Z', ['37066553f100']],
    ['Class', 'grp', ['1905677270']],
    ['Class', '0x0102ff', ['19050102ff']],
    ['Class', hex('00ff'), ['190400ff']],
    ['Tunnel-Type', 'VLAN', ['40060000000d']],
    ['Tunnel-Type:1', 'VLAN', ['40060100000d']],
    ['Tunnel-Medium-Type:1', 'IEEE-802', ['410601000006']],
    ['Tunnel-Private-Group-Id', '42', ['51043432']],
    ['Tunnel-Private-Group-Id:2', '42', ['5105023432']],
    ['Tunnel-Private-Group-Id', '\u0005x', ['51050005' + '78']],
    [18, 'hi', ['12046869']],
    [250, hex('0102'), ['fa040102']],
    [250, 'ab', ['fa046162']],
    [250, 7, ['fa0600000007']],
    ['Vendor-Specific', hex('0000000901036869'), ['1a0a0000000901036869']],
  ];
  it.each(cases)('%s = %s', (name, value, expected) => {
    expect(wire(name, value)).toEqual(expected);
  });

  const errors: [string | number, string | number | Buffer, RegExp][] = [
    ['No-Such-Attribute', 'x', /unknown RADIUS attribute "No-Such-Attribute"/],
    ['Service-Type', 'Nope', /not a valid integer/],
    ['Service-Type', -1, /0\.\.4294967295/],
    ['Service-Type', 2 ** 32, /0\.\.4294967295/],
    ['Service-Type', 1.5, /not an integer/],
    ['Framed-IP-Address', '10.0.0', /not a valid ipaddr/],
    ['Framed-IP-Address', hex('0a0000'), /4 octets/],
    ['NAS-IPv6-Address', '2001:db8::g', /not a valid ipv6addr/],
    ['Framed-IPv6-Prefix', '2001:db8::1/32', /not a valid ipv6prefix/],
    ['Framed-IPv6-Prefix', '2001:db8::/129', /not a valid ipv6prefix/],
    ['Event-Timestamp', 'yesterday', /not a valid date/],
    ['Class', '0xabc', /not valid hex/],
    ['Class', 5, /not a valid octets/],
    ['Filter-Id', '', /empty value/],
    ['Filter-Id:1', 'x', /takes no tag/],
    ['Tunnel-Type:32', 'VLAN', /tag 32/],
    ['Tunnel-Type', 2 ** 24, /below 2\^24/],
    ['Message-Authenticator', hex('00'.repeat(16)), /added by the packet builder/],
    ['User-Password', 'secret', /encrypted per packet/],
    ['Tunnel-Password', 'secret', /encrypted per packet/],
    ['MS-MPPE-Send-Key', hex('01'), /encrypted per packet/],
    ['Vendor-Specific', 'x', /needs a Buffer/],
    [0, 'x', /not 1\.\.255/],
    [256, 'x', /not 1\.\.255/],
    ['Filter-Id', 'x'.repeat(254), /254 octets, at most 253/],
    ['Fortinet-Group-Name', 'g'.repeat(248), /248 octets, at most 247/],
  ];
  it.each(errors)('%s = %s is refused', (name, value, message) => {
    const r = encodeAttribute({ name, value });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});

describe('encodeAttribute: vendor-specific attributes (RFC 2865 §5.26)', () => {
  const vsas: [string, string | number, number, number, string][] = [
    ['MS-CHAP-Error', 'E=691 R=0', 311, 2, Buffer.from('E=691 R=0').toString('hex')],
    ['MS-MPPE-Encryption-Policy', 'Encryption-Required', 311, 7, '00000002'],
    ['MS-Primary-DNS-Server', '10.0.0.53', 311, 28, '0a000035'],
    ['Citrix-User-Groups', 'admins,vpn', 3845, 16, Buffer.from('admins,vpn').toString('hex')],
    ['Fortinet-Group-Name', 'vpn-users', 12356, 1, Buffer.from('vpn-users').toString('hex')],
    ['Fortinet-Access-Profile', 'super_admin', 12356, 6, Buffer.from('super_admin').toString('hex')],
    ['Cisco-AVPair', 'shell:priv-lvl=15', 9, 1, Buffer.from('shell:priv-lvl=15').toString('hex')],
    ['PaloAlto-Admin-Role', 'superuser', 25461, 1, Buffer.from('superuser').toString('hex')],
    ['PaloAlto-Panorama-Admin-Access-Domain', 'dom', 25461, 4, Buffer.from('dom').toString('hex')],
    ['PaloAlto-User-Group', 'gp-users', 25461, 5, Buffer.from('gp-users').toString('hex')],
  ];
  it.each(vsas)('%s = %s', (name, value, vendor, vendorType, dataHex) => {
    const [tlv, ...rest] = encoded(name, value);
    expect(rest).toEqual([]);
    const data = hex(dataHex);
    const expected = Buffer.alloc(8 + data.length);
    expected[0] = 26;
    expected[1] = 8 + data.length;
    expected.writeUInt32BE(vendor, 2);
    expected[6] = vendorType;
    expected[7] = 2 + data.length;
    data.copy(expected, 8);
    expect(tlv!.toString('hex')).toBe(expected.toString('hex'));
    // The radius package, given the same dictionaries, writes the same bytes.
    const theirs = radius.encode({
      code: 'Access-Accept',
      secret: 'x',
      attributes: [['Vendor-Specific', vendor, [[name, value]]]],
    });
    expect(theirs.subarray(20).toString('hex')).toBe(tlv!.toString('hex'));
    // And our decoder reads it back.
    const back = decodeAttributes(frameOf(Buffer.concat([theirs.subarray(0, 20), tlv!])));
    expect(back).toEqual([{ name: expect.any(String), type: vendorType, vendor, value: expect.anything() }]);
    expect(encoded(back[0]!.name, back[0]!.value)).toEqual([tlv]);
  });

  it('splits a long vendor string only when asked, at 247 octets', () => {
    const long = 'g'.repeat(300);
    const parts = encoded('Cisco-AVPair', long, { split: true });
    expect(parts.map((p) => p.length)).toEqual([255, 8 + 53]);
    expect(MAX_VSA_VALUE_LENGTH).toBe(247);
    expect(parts.map((p) => p.subarray(8).toString()).join('')).toBe(long);
  });

  it('vendorTlv wraps one sub-attribute', () => {
    expect(vendorTlv(14988, 8, Buffer.from('10M')).toString('hex')).toBe('1a0b00003a8c0805' + '31304d');
  });
});

describe('splitting long values', () => {
  const texts = (tlvs: Buffer[]) => tlvs.map((t) => t.subarray(2));

  it('Reply-Message is always split at 253 octets (RFC 2865 §5.18)', () => {
    const text = 'm'.repeat(300);
    const parts = encoded('Reply-Message', text);
    expect(parts.map((p) => p.length)).toEqual([255, 49]);
    expect(Buffer.concat(texts(parts)).toString()).toBe(text);
    expect(replyMessageAttributes(text)).toEqual(parts);
  });

  it.each([
    ['2-octet characters', 'é'.repeat(200), [252, 148]],
    ['4-octet characters', '😀'.repeat(100), [252, 148]],
    ['3-octet characters', '€'.repeat(100), [252, 48]],
    ['mixed', `a${'é'.repeat(126)}${'😀'.repeat(10)}`, [253, 40]],
  ])('splits %s on character boundaries', (_name, text, sizes) => {
    const parts = replyMessageAttributes(text);
    expect(parts.map((p) => p.length - 2)).toEqual(sizes);
    for (const p of texts(parts)) expect(Buffer.from(p.toString('utf8'), 'utf8').equals(p)).toBe(true);
    expect(
      texts(parts)
        .map((p) => p.toString('utf8'))
        .join(''),
    ).toBe(text);
  });

  it('an empty Reply-Message gives no attributes', () => {
    expect(replyMessageAttributes('')).toEqual([]);
  });

  it('other strings and octets split only with { split: true }; tagged values never', () => {
    expect(encoded('Filter-Id', 'f'.repeat(254), { split: true }).map((p) => p.length)).toEqual([255, 3]);
    expect(encoded('Class', Buffer.alloc(600, 1), { split: true }).map((p) => p.length)).toEqual([
      255, 255, 96,
    ]);
    const tagged = encodeAttribute(
      { name: 'Tunnel-Private-Group-Id', value: 'v'.repeat(300) },
      { split: true },
    );
    expect(tagged.ok).toBe(false);
  });
});

describe('rawTlv', () => {
  it('writes type, length, value and refuses impossible ones', () => {
    expect(rawTlv(33, hex('abcd')).toString('hex')).toBe('2104abcd');
    expect(rawTlv(1, Buffer.alloc(253)).length).toBe(255);
    expect(() => rawTlv(1, Buffer.alloc(254))).toThrow(AppError);
    expect(() => rawTlv(0, Buffer.alloc(1))).toThrow(AppError);
    expect(() => rawTlv(256, Buffer.alloc(1))).toThrow(AppError);
  });
});

describe('decodeAttributes', () => {
  const frame = frameOf(
    buildRequest({
      code: PacketCode.AccessRequest,
      identifier: 1,
      secret: Buffer.from('s'),
      authenticator: Buffer.alloc(16, 7),
      attributes: [
        rawTlv(1, Buffer.from('bob')),
        rawTlv(2, Buffer.alloc(16, 9)),
        rawTlv(24, Buffer.from('state')),
        rawTlv(5, hex('0001')),
        rawTlv(250, hex('aa')),
        vendorTlv(14988, 8, Buffer.from('10M')),
        rawTlv(26, hex('0000')),
        rawTlv(6, hex('00000001')),
      ],
    }),
  );

  it('names attributes, keeps secrets and malformed values as Buffers', () => {
    expect(decodeAttributes(frame)).toEqual([
      { name: 'Message-Authenticator', type: 80, value: frame.attributes[0]!.value },
      { name: 'User-Name', type: 1, value: 'bob' },
      { name: 'User-Password', type: 2, value: Buffer.alloc(16, 9) },
      { name: 'State', type: 24, value: Buffer.from('state') },
      { name: 'NAS-Port', type: 5, value: hex('0001') },
      { name: 'Attr-250', type: 250, value: hex('aa') },
      { name: 'Vendor-14988-Attr-8', type: 8, vendor: 14988, value: Buffer.from('10M') },
      { name: 'Vendor-Specific', type: 26, value: hex('0000') },
      { name: 'Service-Type', type: 6, value: 'Login-User' },
    ]);
  });
});
