import { describe, expect, it } from 'vitest';
import { decodeAttributes } from '../../../src/radius/attributes.js';
import {
  messageAuthenticatorStatus,
  verifyAccountingRequest,
  verifyResponse,
} from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { allAttributes, firstAttribute } from '../../../src/radius/frame.js';
import { decryptSalted, unhidePassword } from '../../../src/radius/password.js';
import { buildResponse } from '../../../src/radius/response.js';
import { frameOf, hex, readFixture } from './helpers.js';

interface RfcFixture {
  secret: string;
  examples: { name: string; section: string; hex: string }[];
}
const rfc = readFixture<RfcFixture>('rfc2865-examples.json');
const rfcSecret = Buffer.from(rfc.secret);
const rfcFrame = (name: string) => frameOf(hex(rfc.examples.find((e) => e.name === name)!.hex));

describe('RFC 2865 §7 examples', () => {
  it('§7.1: parses the Access-Request and unhides "arctangent"', () => {
    const req = rfcFrame('7.1 Access-Request');
    expect(req.code).toBe(PacketCode.AccessRequest);
    expect(req.attributes.map((a) => a.type)).toEqual([1, 2, 4, 5]);
    expect(firstAttribute(req, Attr.UserName)?.toString()).toBe('nemo');
    const pw = unhidePassword(firstAttribute(req, Attr.UserPassword)!, rfcSecret, req.authenticator);
    expect(pw).toEqual({ ok: true, value: Buffer.from('arctangent') });
    expect(decodeAttributes(req).slice(2)).toEqual([
      { name: 'NAS-IP-Address', type: 4, value: '192.168.1.16' },
      { name: 'NAS-Port', type: 5, value: 3 },
    ]);
  });

  const pairs: [string, string][] = [
    ['7.1 Access-Request', '7.1 Access-Accept'],
    ['7.2 Access-Request (CHAP)', '7.2 Access-Accept'],
    ['7.3 Access-Request 1', '7.3 Access-Challenge'],
    ['7.3 Access-Request 2', '7.3 Access-Reject'],
  ];
  it.each(pairs)('verifies the Response Authenticator of %s → %s', (reqName, respName) => {
    const req = rfcFrame(reqName);
    const resp = rfcFrame(respName);
    const opts = { requireMessageAuthenticator: false };
    expect(verifyResponse(resp, req.authenticator, rfcSecret, opts)).toBe('valid');
    expect(verifyResponse(resp, req.authenticator, Buffer.from('xyzzy5462'), opts)).toBe('bad_authenticator');
    // RFC 2865 predates RFC 3579: these replies carry no Message-Authenticator.
    expect(verifyResponse(resp, req.authenticator, rfcSecret, { requireMessageAuthenticator: true })).toBe(
      'missing_message_authenticator',
    );
  });

  it('§7.1: rebuilding the Access-Accept without MA reproduces the RFC bytes', () => {
    const req = rfcFrame('7.1 Access-Request');
    const accept = rfcFrame('7.1 Access-Accept');
    const built = buildResponse({
      code: PacketCode.AccessAccept,
      request: req,
      secret: rfcSecret,
      attributes: [accept.raw.subarray(20)],
      messageAuthenticator: false,
    });
    expect(built.ok && built.value.toString('hex')).toBe(accept.raw.toString('hex'));
  });

  it('§7.3: unhides both passwords and reads the State', () => {
    expect(
      unhidePassword(
        firstAttribute(rfcFrame('7.3 Access-Request 1'), 2)!,
        rfcSecret,
        rfcFrame('7.3 Access-Request 1').authenticator,
      ),
    ).toEqual({
      ok: true,
      value: Buffer.from('challenge'),
    });
    const second = rfcFrame('7.3 Access-Request 2');
    expect(unhidePassword(firstAttribute(second, 2)!, rfcSecret, second.authenticator)).toEqual({
      ok: true,
      value: Buffer.from('99101462'),
    });
    expect(firstAttribute(rfcFrame('7.3 Access-Challenge'), Attr.State)?.toString()).toBe('32769430');
    expect(firstAttribute(second, Attr.State)?.toString()).toBe('32769430');
  });
});

interface Captures {
  secret: string;
  replyItems: Record<string, string>;
  exchanges: { name: string; request: string; response: string }[];
}
const cap = readFixture<Captures>('freeradius-3.2.1-captures.json');
const capSecret = Buffer.from(cap.secret);
const exchange = (name: string) => {
  const e = cap.exchanges.find((x) => x.name === name)!;
  return { req: frameOf(hex(e.request)), resp: frameOf(hex(e.response)) };
};

describe('packets written by radclient and freeradius 3.2.1', () => {
  const lenient = { requireMessageAuthenticator: false };

  it.each(cap.exchanges.map((e) => e.name))('%s: both directions verify', (name) => {
    const { req, resp } = exchange(name);
    if (req.code === PacketCode.AccountingRequest) {
      expect(verifyAccountingRequest(req, capSecret)).toBe(true);
      expect(verifyAccountingRequest(req, Buffer.from('testing124'))).toBe(false);
    }
    const hasMa = firstAttribute(req, Attr.MessageAuthenticator) !== undefined;
    expect(messageAuthenticatorStatus(req, capSecret)).toBe(hasMa ? 'valid' : 'absent');
    expect(verifyResponse(resp, req.authenticator, capSecret, lenient)).toBe('valid');
    // freeradius 3.2.1 predates the BlastRADIUS fixes (3.2.5): its replies carry no MA.
    expect(verifyResponse(resp, req.authenticator, capSecret, { requireMessageAuthenticator: true })).toBe(
      'missing_message_authenticator',
    );
  });

  it('radclient signs an Accounting-Request MA over a zeroed authenticator, as we verify it', () => {
    const { req } = exchange('accounting-with-ma');
    expect(messageAuthenticatorStatus(req, capSecret)).toBe('valid');
    expect(messageAuthenticatorStatus(req, Buffer.from('testing124'))).toBe('invalid');
  });

  it('decrypts freeradius salt-encrypted Tunnel-Password and MS-MPPE keys (RFC 2868 §3.5, RFC 2548 §2.4.2)', () => {
    const { req, resp } = exchange('access-accept-with-ma');
    const decoded = decodeAttributes(resp);
    const tp = decoded.find((a) => a.name === 'Tunnel-Password')!;
    expect(Buffer.isBuffer(tp.value)).toBe(true);
    // The tag octet comes first, then salt and ciphertext.
    const tpValue = tp.value as Buffer;
    expect(tpValue[0]).toBe(1);
    expect(decryptSalted(tpValue.subarray(1), capSecret, req.authenticator)).toEqual({
      ok: true,
      value: Buffer.from(cap.replyItems['Tunnel-Password']!),
    });
    for (const key of ['MS-MPPE-Send-Key', 'MS-MPPE-Recv-Key']) {
      const attr = decoded.find((a) => a.name === key)!;
      expect(attr.vendor).toBe(311);
      expect(decryptSalted(attr.value as Buffer, capSecret, req.authenticator)).toEqual({
        ok: true,
        value: hex(cap.replyItems[key]!),
      });
    }
  });

  it('decodes the reply items and the echoed Proxy-States', () => {
    const { req, resp } = exchange('access-accept-with-ma');
    const byName = new Map(decodeAttributes(resp).map((a) => [a.name, a]));
    expect(byName.get('Service-Type')?.value).toBe('Framed-User');
    expect(byName.get('Tunnel-Type')).toEqual({ name: 'Tunnel-Type', type: 64, tag: 1, value: 'VLAN' });
    expect(byName.get('Tunnel-Private-Group-Id')).toMatchObject({ tag: 1, value: '42' });
    expect(byName.get('Fortinet-Group-Name')).toEqual({
      name: 'Fortinet-Group-Name',
      type: 1,
      vendor: 12356,
      value: 'vpn-users',
    });
    expect(byName.get('Cisco-AVPair')?.value).toBe('shell:priv-lvl=15');
    expect(allAttributes(resp, Attr.ProxyState)).toEqual(allAttributes(req, Attr.ProxyState));
    expect(allAttributes(req, Attr.ProxyState).map(String)).toEqual(['proxy-1', 'proxy-2']);
  });
});
