import { beforeAll, describe, expect, it } from 'vitest';
import type { ReplyAttribute } from '../../../src/pipeline/types.js';
import { encodeAttribute, vendorTlv } from '../../../src/radius/attributes.js';
import { Attr } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { DecisionEncoder } from '../../../src/server/decision-encoder.js';
import { mergeReply } from '../../../src/server/reply-merge.js';
import { createLogger } from '../../../src/observability/logger.js';

beforeAll(() => loadDictionaries());

const raw = (type: number, hex: string): ReplyAttribute => ({ name: type, value: Buffer.from(hex, 'hex') });
const text = (type: number, s: string): ReplyAttribute => ({ name: type, value: Buffer.from(s) });
const vsaRaw = (vendor: number, type: number, s: string): ReplyAttribute => ({
  name: Attr.VendorSpecific,
  value: vendorTlv(vendor, type, Buffer.from(s)).subarray(2),
});
const wire = (attrs: readonly ReplyAttribute[]): string[] => {
  const enc = new DecisionEncoder('no', createLogger({ level: 'silent' }));
  return enc
    .encode({ kind: 'accept', reason: 'mfa_ok', attributes: attrs })
    .attributes.map((b) => b.toString('hex'));
};
const one = (a: ReplyAttribute): string => {
  const r = encodeAttribute(a);
  if (!r.ok) throw new Error(r.error);
  return Buffer.concat(r.value).toString('hex');
};

describe('reply attributes: upstream pass-through merged with policy attributes', () => {
  it('passes raw upstream attributes byte-exact: tagged Tunnel-* and VSAs included', () => {
    const upstream = [
      raw(Attr.TunnelType, '0100000d'),
      raw(Attr.TunnelPrivateGroupId, '013432'),
      vsaRaw(9, 1, 'a=b'),
    ];
    expect(wire(upstream)).toEqual(['40060100000d', '5105013432', '1a0b000000090105613d62']);
  });

  it('a policy attribute replaces the upstream attributes of the same type; the others pass, upstream first', () => {
    const upstream = [text(Attr.FilterId, 'nps-1'), text(Attr.Class, 'cls'), text(Attr.FilterId, 'nps-2')];
    const policy: ReplyAttribute[] = [{ name: 'Filter-Id', value: 'vpn-admins' }];
    expect(wire([...upstream, ...policy])).toEqual([
      one(text(Attr.Class, 'cls')),
      one({ name: 'Filter-Id', value: 'vpn-admins' }),
    ]);
  });

  it('for Vendor-Specific the key is vendor and vendor type', () => {
    const upstream = [vsaRaw(9, 1, 'shell:priv-lvl=1'), vsaRaw(12356, 1, 'nps-group')];
    const policy: ReplyAttribute[] = [{ name: 'Cisco-AVPair', value: 'shell:priv-lvl=15' }];
    const out = wire([...upstream, ...policy]);
    expect(out).toEqual([
      one(vsaRaw(12356, 1, 'nps-group')),
      one({ name: 'Cisco-AVPair', value: 'shell:priv-lvl=15' }),
    ]);
  });

  it('mergeReply with no policy attributes keeps everything', () => {
    const upstream = [text(Attr.FilterId, 'a'), text(Attr.Class, 'b')];
    expect(mergeReply(upstream, [])).toEqual(upstream);
  });

  it('a raw value that cannot be sent (Message-Authenticator) is dropped, the rest still goes', () => {
    const out = wire([raw(Attr.MessageAuthenticator, '00'.repeat(16)), text(Attr.FilterId, 'ok')]);
    expect(out).toEqual([one(text(Attr.FilterId, 'ok'))]);
  });
});
