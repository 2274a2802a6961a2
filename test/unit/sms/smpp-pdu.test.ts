import { describe, expect, it } from 'vitest';
import { statusText, submitRespResult, submitSmFields } from '../../../src/sms/smpp-pdu.js';

const src = { sourceAddr: 'ACME', sourceTon: 5, sourceNpi: 0, registeredDelivery: true };
const names = new Map([
  [0x58, 'ESME_RTHROTTLED'],
  [0x0b, 'ESME_RINVDSTADR'],
]);

describe('submit_sm fields', () => {
  it('destination as international E.164 digits; short text in short_message', () => {
    expect(submitSmFields(src, { to: '+4915112345678', text: 'code 1', correlationId: 'c' })).toEqual({
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '4915112345678',
      registered_delivery: 1,
      short_message: 'code 1',
    });
  });

  it('long text in message_payload, short_message left out', () => {
    const f = submitSmFields(src, { to: '+4915112345678', text: 'x'.repeat(121), correlationId: 'c' });
    expect(f.message_payload).toBe('x'.repeat(121));
    expect('short_message' in f).toBe(false);
  });
});

describe('submit_sm_resp', () => {
  it('status 0 is sent, with the SMSC message id', () => {
    expect(submitRespResult('s', { command_status: 0, message_id: 'abc' }, '+49•78', names)).toEqual({
      kind: 'sent',
      provider: 's',
      messageId: 'abc',
    });
    expect(submitRespResult('s', { command_status: 0, message_id: '' }, '+49•78', names)).toEqual({
      kind: 'sent',
      provider: 's',
    });
  });

  it('throttling is rate_limited, anything else rejected, with the status named', () => {
    expect(submitRespResult('s', { command_status: 0x58 }, '+49•78', names)).toMatchObject({
      reason: 'rate_limited',
    });
    expect(submitRespResult('s', { command_status: 0x14 }, '+49•78', names)).toMatchObject({
      reason: 'rate_limited',
    });
    expect(submitRespResult('s', { command_status: 0x0b }, '+49•78', names)).toEqual({
      kind: 'failed',
      provider: 's',
      reason: 'rejected',
      detail: 'submit_sm_resp status 0x0000000b (ESME_RINVDSTADR) (to +49•78)',
    });
    expect(statusText(0x400, names)).toBe('0x00000400');
  });
});
