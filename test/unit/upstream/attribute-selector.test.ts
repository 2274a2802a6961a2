import { beforeAll, describe, expect, it } from 'vitest';
import { vendorTlv } from '../../../src/radius/attributes.js';
import { Attr } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { AppError } from '../../../src/shared/errors.js';
import {
  AttributeSelector,
  NEVER_FROM_UPSTREAM,
  NEVER_TO_UPSTREAM,
} from '../../../src/upstream/attribute-selector.js';

beforeAll(() => loadDictionaries());

/** The value of a Vendor-Specific attribute (without its type and length octets). */
const vsa = (vendor: number, type: number, value: string): Buffer =>
  vendorTlv(vendor, type, Buffer.from(value)).subarray(2);
const v = (s = 'x') => Buffer.from(s);

describe('AttributeSelector: which upstream reply attributes reach the gateway', () => {
  const all = () => new AttributeSelector('all', NEVER_FROM_UPSTREAM, 'test');

  it("'all' passes policy attributes, standard and vendor", () => {
    const s = all();
    for (const t of [
      Attr.FilterId,
      Attr.Class,
      Attr.FramedIpAddress,
      Attr.SessionTimeout,
      Attr.TunnelType,
      Attr.ReplyMessage,
    ]) {
      expect(s.allows(t, v())).toBe(true);
    }
    expect(s.allows(Attr.VendorSpecific, vsa(9, 1, 'shell:priv-lvl=15'))).toBe(true);
  });

  it('never passes MA, Proxy-State, State, EAP-Message, passwords, or anything encrypted with the upstream secret', () => {
    const s = all();
    for (const t of [
      Attr.MessageAuthenticator,
      Attr.ProxyState,
      Attr.State,
      Attr.EapMessage,
      Attr.UserPassword,
      Attr.ChapPassword,
      Attr.TunnelPassword,
    ]) {
      expect(s.allows(t, v())).toBe(false);
    }
    // MS-MPPE-Send-Key (311/16), RFC 2548 §2.4.2: salt-encrypted.
    expect(s.allows(Attr.VendorSpecific, vsa(311, 16, 'key'))).toBe(false);
  });

  it('a list allows only what it names; a vendor attribute name allows that vendor attribute', () => {
    const s = new AttributeSelector(['Filter-Id', 25, 'Cisco-AVPair'], NEVER_FROM_UPSTREAM, 'test');
    expect(s.allows(Attr.FilterId, v())).toBe(true);
    expect(s.allows(Attr.Class, v())).toBe(true);
    expect(s.allows(Attr.FramedIpAddress, Buffer.alloc(4))).toBe(false);
    expect(s.allows(Attr.VendorSpecific, vsa(9, 1, 'a=b'))).toBe(true);
    expect(s.allows(Attr.VendorSpecific, vsa(9, 2, 'other'))).toBe(false);
    expect(s.allows(Attr.VendorSpecific, vsa(12356, 1, 'group'))).toBe(false);
  });

  it("'Vendor-Specific' in a list allows every vendor attribute, except encrypted ones", () => {
    const s = new AttributeSelector(['Vendor-Specific'], NEVER_FROM_UPSTREAM, 'test');
    expect(s.allows(Attr.VendorSpecific, vsa(12356, 1, 'group'))).toBe(true);
    expect(s.allows(Attr.VendorSpecific, vsa(311, 17, 'key'))).toBe(false);
  });

  it('a Vendor-Specific value not in RFC 2865 §5.26 layout passes only under a blanket allow', () => {
    const odd = Buffer.from('000001ad0000000100', 'hex');
    expect(all().allows(Attr.VendorSpecific, odd)).toBe(true);
    expect(
      new AttributeSelector(['Cisco-AVPair'], NEVER_FROM_UPSTREAM, 'test').allows(Attr.VendorSpecific, odd),
    ).toBe(false);
  });

  it('an unknown attribute name is a configuration error', () => {
    expect(
      () => new AttributeSelector(['No-Such-Thing'], NEVER_FROM_UPSTREAM, 'directory.reply_attributes'),
    ).toThrow(AppError);
  });

  it('towards the upstream: the gateway identity and credentials are ours to set, the rest is forwarded', () => {
    const s = new AttributeSelector('all', NEVER_TO_UPSTREAM, 'test');
    for (const t of [
      Attr.UserName,
      Attr.UserPassword,
      Attr.State,
      Attr.ProxyState,
      Attr.MessageAuthenticator,
      Attr.EapMessage,
    ]) {
      expect(s.allows(t, v())).toBe(false);
    }
    for (const t of [
      Attr.NasIpAddress,
      Attr.NasIdentifier,
      Attr.CallingStationId,
      Attr.CalledStationId,
      Attr.NasPortType,
    ]) {
      expect(s.allows(t, v())).toBe(true);
    }
  });
});
