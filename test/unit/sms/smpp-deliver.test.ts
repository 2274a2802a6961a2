import { describe, expect, it } from 'vitest';
import { classifyDeliverSm, e164FromSmpp } from '../../../src/sms/smpp-deliver.js';

const RECEIPT =
  'id:0123456789 sub:001 dlvrd:001 submit date:2612011910 done date:2612011911 stat:DELIVRD err:000 text:Your';

describe('classifyDeliverSm', () => {
  it('a mobile-originated message is a reply, from in E.164', () => {
    expect(
      classifyDeliverSm({
        esm_class: 0,
        source_addr: '4915112345678',
        source_addr_ton: 1,
        destination_addr: '4930123456',
        dest_addr_ton: 1,
        short_message: { message: 'YES' },
      }),
    ).toEqual({ kind: 'reply', from: '+4915112345678', to: '+4930123456', text: 'YES' });
  });

  it('a short code or sender name as destination stays as it came', () => {
    expect(
      classifyDeliverSm({
        source_addr: '4915112345678',
        source_addr_ton: 1,
        destination_addr: '55555',
        short_message: { message: 'x' },
      }),
    ).toMatchObject({
      to: '55555',
    });
  });

  it('message_payload wins over an empty short_message', () => {
    expect(
      classifyDeliverSm({
        source_addr: '4915112345678',
        source_addr_ton: 1,
        short_message: { message: '' },
        message_payload: { message: 'long text' },
      }),
    ).toMatchObject({ kind: 'reply', text: 'long text' });
  });

  it.each([
    ['esm_class 0x04 (SMSC delivery receipt)', { esm_class: 0x04, short_message: { message: RECEIPT } }],
    ['esm_class 0x08 (SME delivery acknowledgement)', { esm_class: 0x08, short_message: { message: 'ok' } }],
    ['esm_class 0x20 (intermediate notification)', { esm_class: 0x20, short_message: { message: '' } }],
    ['receipt text with esm_class 0', { esm_class: 0, short_message: { message: RECEIPT } }],
    [
      'receipted_message_id TLV',
      { esm_class: 0, receipted_message_id: 'abc', short_message: { message: 'x' } },
    ],
    ['message_state TLV', { esm_class: 0, message_state: 2, short_message: { message: 'x' } }],
  ])('%s is a receipt, not a reply', (_, pdu) => {
    expect(classifyDeliverSm({ source_addr: '4915112345678', source_addr_ton: 1, ...pdu }).kind).toBe(
      'receipt',
    );
  });

  it('a receipt names the message id and the final state', () => {
    expect(classifyDeliverSm({ esm_class: 0x04, short_message: { message: RECEIPT } })).toEqual({
      kind: 'receipt',
      messageId: '0123456789',
      stat: 'DELIVRD',
    });
  });

  it('UDH indicator (0x40) alone does not make a receipt', () => {
    expect(
      classifyDeliverSm({
        esm_class: 0x40,
        source_addr: '4915112345678',
        source_addr_ton: 1,
        short_message: { message: 'part' },
      }).kind,
    ).toBe('reply');
  });

  it('an alphanumeric or national sender cannot be answered: invalid', () => {
    expect(
      classifyDeliverSm({ source_addr: 'ACME', source_addr_ton: 5, short_message: { message: 'hi' } }).kind,
    ).toBe('invalid');
    expect(
      classifyDeliverSm({ source_addr: '015112345678', source_addr_ton: 2, short_message: { message: 'hi' } })
        .kind,
    ).toBe('invalid');
  });
});

describe('e164FromSmpp', () => {
  it.each([
    ['4915112345678', 1, '+4915112345678'],
    ['+4915112345678', 2, '+4915112345678'],
    ['4915112345678', 0, '+4915112345678'],
    ['4915112345678', 2, undefined],
    ['12345', 1, undefined],
    ['', 1, undefined],
  ])('%s TON %d → %s', (addr, ton, want) => {
    expect(e164FromSmpp(addr, ton)).toBe(want);
  });
});
