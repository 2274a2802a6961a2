import { beforeAll, describe, expect, it } from 'vitest';
import { accountingJsonLine, accountingRecord } from '../../../src/accounting/accounting-record.js';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { parseFrame } from '../../../src/radius/frame.js';
import { buildRequest } from '../../../src/radius/request.js';

beforeAll(() => loadDictionaries());

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

function frame(attrs: Buffer[]) {
  const packet = buildRequest({
    code: PacketCode.AccountingRequest,
    identifier: 1,
    secret: Buffer.from('s'),
    attributes: attrs,
  });
  const f = parseFrame(packet);
  if (!f.ok) throw new Error(f.error);
  return f.value;
}

describe('accounting records and their JSON line', () => {
  const f = frame([
    rawTlv(Attr.AcctStatusType, u32(2)),
    rawTlv(Attr.AcctSessionId, Buffer.from('s-9')),
    rawTlv(Attr.UserName, Buffer.from('alice')),
    rawTlv(Attr.NasIpAddress, Buffer.from([10, 0, 0, 1])),
    rawTlv(Attr.AcctInputOctets, u32(5)),
    rawTlv(52, u32(2)),
    rawTlv(Attr.AcctOutputOctets, u32(7)),
    rawTlv(Attr.ProxyState, Buffer.from('ps')),
    rawTlv(Attr.Class, Buffer.from([1, 2])),
    rawTlv(Attr.Class, Buffer.from([3])),
  ]);

  it('decodes status, session, NAS and octets with Gigawords (RFC 2869 §5.1)', () => {
    const r = accountingRecord(f, 'vpn', '127.0.0.1:1', 5);
    expect(r).toMatchObject({
      statusType: 2,
      sessionId: 's-9',
      userName: 'alice',
      nasIp: '10.0.0.1',
      inputOctets: 2 * 2 ** 32 + 5,
      outputOctets: 7,
    });
  });

  it('the JSON line names attributes, keeps repeated ones as arrays, and leaves out Proxy-State', () => {
    const line = JSON.parse(
      accountingJsonLine(accountingRecord(f, 'vpn', '127.0.0.1:1', Date.UTC(2026, 0, 1)), f),
    );
    expect(line).toMatchObject({
      time: '2026-01-01T00:00:00.000Z',
      status: 'Stop',
      session_id: 's-9',
      user: 'alice',
    });
    expect(line.attributes.Class).toEqual(['0x0102', '0x03']);
    expect(line.attributes['Acct-Status-Type']).toBe('Stop');
    expect(line.attributes['Proxy-State']).toBeUndefined();
  });
});
