import { describe, expect, it } from 'vitest';
import { type AccessRequestPacket, decodeAccessRequest } from '../../../src/radius/access-request.js';
import { rawTlv, vendorTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { hidePassword } from '../../../src/radius/password.js';
import { buildRequest } from '../../../src/radius/request.js';
import { frameOf, hex, readFixture } from './helpers.js';

interface Captures {
  secret: string;
  requests: { name: string; input: string; request: string }[];
}
const methods = readFixture<Captures>('radclient-3.2.1-auth-methods.json');
const methodSecret = Buffer.from(methods.secret);
const radclientCapture = (name: string) => hex(methods.requests.find((r) => r.name === name)!.request);

const freeradius = readFixture<{ secret: string; exchanges: { name: string; request: string }[] }>(
  'freeradius-3.2.1-captures.json',
);
const rfc = readFixture<{ secret: string; examples: { name: string; hex: string }[] }>(
  'rfc2865-examples.json',
);

type Expected = Partial<Omit<AccessRequestPacket, 'password' | 'state' | 'attributes'>> & {
  password?: string;
  state?: string;
  attributeTypes?: number[];
};

/** name, datagram, secret, require MA, expected decode. */
const table: [string, Buffer, Buffer, boolean, Expected | { error: string }][] = [
  [
    'radclient PAP with NAS attributes and State',
    radclientCapture('pap-nas-attributes'),
    methodSecret,
    true,
    {
      userName: 'alice',
      password: 'wonderland',
      state: 'mfa-state',
      nasIpAddress: '192.0.2.10',
      nasIdentifier: 'vpn-gw-1',
      callingStationId: '198.51.100.7',
      authMethod: 'pap',
      messageAuthenticator: 'valid',
      attributeTypes: [1, 2, 4, 32, 31, 24, 80],
    },
  ],
  [
    'radclient CHAP-Password',
    radclientCapture('chap-with-ma'),
    methodSecret,
    true,
    { userName: 'alice', password: undefined, authMethod: 'chap', messageAuthenticator: 'valid' },
  ],
  [
    'radclient MS-CHAP-Password → MS-CHAP-Response (v1)',
    radclientCapture('mschap-v1'),
    methodSecret,
    true,
    { userName: 'alice', password: undefined, authMethod: 'mschap' },
  ],
  [
    'radclient MS-CHAP2-Response',
    radclientCapture('mschap-v2'),
    methodSecret,
    true,
    { userName: 'alice', password: undefined, authMethod: 'mschapv2' },
  ],
  [
    'radclient EAP-Message with Message-Authenticator',
    radclientCapture('eap-identity-with-ma'),
    methodSecret,
    false,
    { userName: 'alice', authMethod: 'eap', messageAuthenticator: 'valid' },
  ],
  [
    'radclient EAP-Message without Message-Authenticator (RFC 3579 §3.2), even when not required',
    radclientCapture('eap-identity-no-ma'),
    methodSecret,
    false,
    { error: 'missing_message_authenticator' },
  ],
  [
    'radclient with no credentials at all',
    radclientCapture('no-credentials'),
    methodSecret,
    true,
    { userName: 'alice', password: undefined, authMethod: 'none', nasIpAddress: undefined },
  ],
  [
    'radclient PAP under the wrong secret',
    radclientCapture('pap-nas-attributes'),
    Buffer.from('testing124'),
    true,
    { error: 'bad_message_authenticator' },
  ],
  [
    'FreeRADIUS capture: PAP with MA and two Proxy-States',
    hex(freeradius.exchanges.find((e) => e.name === 'access-accept-with-ma')!.request),
    Buffer.from(freeradius.secret),
    true,
    {
      userName: 'alice',
      password: 'wonderland',
      nasIdentifier: 'vpn-gw',
      authMethod: 'pap',
      attributeTypes: [1, 2, 32, 80, 33, 33],
    },
  ],
  [
    'FreeRADIUS capture: PAP without MA, not required',
    hex(freeradius.exchanges.find((e) => e.name === 'access-accept-no-ma')!.request),
    Buffer.from(freeradius.secret),
    false,
    { userName: 'alice', password: 'wonderland', messageAuthenticator: 'absent' },
  ],
  [
    'FreeRADIUS capture: PAP without MA where it is required (BlastRADIUS)',
    hex(freeradius.exchanges.find((e) => e.name === 'access-accept-no-ma')!.request),
    Buffer.from(freeradius.secret),
    true,
    { error: 'missing_message_authenticator' },
  ],
  [
    'RFC 2865 §7.1: PAP "arctangent" with NAS-IP-Address',
    hex(rfc.examples.find((e) => e.name === '7.1 Access-Request')!.hex),
    Buffer.from(rfc.secret),
    false,
    { userName: 'nemo', password: 'arctangent', nasIpAddress: '192.168.1.16', authMethod: 'pap' },
  ],
  [
    'RFC 2865 §7.2: CHAP',
    hex(rfc.examples.find((e) => e.name === '7.2 Access-Request (CHAP)')!.hex),
    Buffer.from(rfc.secret),
    false,
    { userName: 'flopsy', password: undefined, authMethod: 'chap', nasIpAddress: '192.168.1.16' },
  ],
  [
    'a Status-Server is not an Access-Request',
    hex(freeradius.exchanges.find((e) => e.name === 'status-server-auth')!.request),
    Buffer.from(freeradius.secret),
    true,
    { error: 'unexpected_code' },
  ],
];

describe('decodeAccessRequest (captures and RFC examples)', () => {
  it.each(table)('%s', (_name, datagram, secret, require, expected) => {
    const r = decodeAccessRequest(frameOf(datagram), secret, { requireMessageAuthenticator: require });
    if ('error' in expected) {
      expect(r).toEqual({ ok: false, error: expected.error });
      return;
    }
    if (!r.ok) throw new Error(`expected a decode, got ${r.error}`);
    const { password, state, attributeTypes, ...fields } = expected;
    expect(r.value).toMatchObject(fields);
    if ('password' in expected) expect(r.value.password?.toString()).toBe(password);
    if (state !== undefined) expect(r.value.state?.toString()).toBe(state);
    if (attributeTypes) expect(r.value.attributes.map((a) => a.type)).toEqual(attributeTypes);
  });
});

describe('decodeAccessRequest (built packets: precedence and malformed parts)', () => {
  const secret = Buffer.from('s3cret');
  const authenticator = Buffer.alloc(16, 7);
  const build = (attributes: Buffer[]) =>
    frameOf(
      buildRequest({ code: PacketCode.AccessRequest, identifier: 9, secret, authenticator, attributes }),
    );
  const pap = rawTlv(Attr.UserPassword, hidePassword(Buffer.from('pw'), secret, authenticator));

  it('a User-Password wins over CHAP, MS-CHAP and EAP: it is what the proxy checks', () => {
    const r = decodeAccessRequest(
      build([
        rawTlv(Attr.ChapPassword, Buffer.alloc(17, 1)),
        rawTlv(Attr.EapMessage, hex('0201000501')),
        pap,
      ]),
      secret,
    );
    expect(r.ok && r.value.authMethod).toBe('pap');
  });

  it('MS-CHAPv2 over MS-CHAP v1 and CHAP, also when both sit in one Vendor-Specific', () => {
    const both = Buffer.concat([hex('00000137'), hex('0104aabb'), hex('1904ccdd')]);
    const r = decodeAccessRequest(
      build([rawTlv(Attr.ChapPassword, Buffer.alloc(17, 1)), rawTlv(Attr.VendorSpecific, both)]),
      secret,
    );
    expect(r.ok && r.value.authMethod).toBe('mschapv2');
  });

  it('a vendor type 1 of another vendor is not MS-CHAP; a truncated sub-attribute is ignored', () => {
    const other = decodeAccessRequest(build([vendorTlv(9, 1, Buffer.from('x'))]), secret);
    expect(other.ok && other.value.authMethod).toBe('none');
    const truncated = decodeAccessRequest(build([rawTlv(Attr.VendorSpecific, hex('000001371950'))]), secret);
    expect(truncated.ok && truncated.value.authMethod).toBe('none');
  });

  it('a hidden password that is not 16..128 octets in blocks of 16 is bad_password_encoding', () => {
    const r = decodeAccessRequest(build([rawTlv(Attr.UserPassword, Buffer.alloc(15))]), secret);
    expect(r).toEqual({ ok: false, error: 'bad_password_encoding' });
  });

  it('the first of repeated attributes counts; a NAS-IP-Address that is not 4 octets is ignored', () => {
    const r = decodeAccessRequest(
      build([
        rawTlv(Attr.UserName, Buffer.from('first')),
        rawTlv(Attr.UserName, Buffer.from('second')),
        rawTlv(Attr.NasIpAddress, hex('0a0000')),
      ]),
      secret,
    );
    expect(r.ok && r.value.userName).toBe('first');
    expect(r.ok && r.value.nasIpAddress).toBeUndefined();
  });
});
