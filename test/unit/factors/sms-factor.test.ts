import { describe, expect, it } from 'vitest';
import { SmsFactor } from '../../../src/factors/sms-factor.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type { SmsMessage } from '../../../src/sms/sms-sender.js';

const setup = () => {
  const clock = new ManualClock(1_700_000_000_000);
  const sent: SmsMessage[] = [];
  const refunds: unknown[] = [];
  const f = new SmsFactor({
    sender: {
      name: 'fake',
      send: async (m) => {
        sent.push(m);
        return { kind: 'sent', provider: 'fake' };
      },
      close: async () => {},
    },
    budget: {
      tryConsume: async () => ({ ok: true, ticket: { at: 0 } }),
      refund: async (t) => {
        refunds.push(t);
        return true;
      },
    },
    phones: { phoneFor: async () => '+4915123456789' },
    clock,
    rng: { bytes: (n) => Buffer.alloc(n, 3) },
    log: { info: () => {}, warn: () => {} },
    options: {
      digits: 6,
      codeTtlSec: 120,
      message: 'code {code}',
      prompt: 'sent to {phone}',
      resendKeyword: '',
      resendCooldownSec: 30,
      twoWay: false,
      twoWayPrompt: '',
    },
  });
  return { f, clock, sent, refunds };
};
const who = { id: 'sam', loginName: 'sam' };

describe('SmsFactor: a cancelled login or one with no time left is no SMS outage', () => {
  it('aborted (a drain or reload): nothing sent, the budget given back, sms_timeout (never failmode safe)', async () => {
    const { f, clock, sent, refunds } = setup();
    const ac = new AbortController();
    ac.abort();
    const r = await f.start(who, {
      correlationId: 'c',
      clientName: 'vpn',
      deadline: clock.now() + 30_000,
      signal: ac.signal,
      prompt: '',
      canChallenge: true,
    });
    expect(r).toEqual({ kind: 'refused', reason: 'sms_timeout', counts: false });
    expect(sent).toHaveLength(0);
    expect(refunds).toHaveLength(1);
  });

  it('the deadline already passed (a slow password check): nothing sent, sms_timeout', async () => {
    const { f, clock, sent } = setup();
    const r = await f.start(who, {
      correlationId: 'c',
      clientName: 'vpn',
      deadline: clock.now() + 500,
      signal: new AbortController().signal,
      prompt: '',
      canChallenge: true,
    });
    expect(r).toMatchObject({ kind: 'refused', reason: 'sms_timeout' });
    expect(sent).toHaveLength(0);
  });

  it('otherwise the code goes out and the prompt names the masked number', async () => {
    const { f, clock, sent } = setup();
    const r = await f.start(who, {
      correlationId: 'c',
      clientName: 'vpn',
      deadline: clock.now() + 30_000,
      signal: new AbortController().signal,
      prompt: '',
      canChallenge: true,
    });
    expect(r).toMatchObject({ kind: 'prompt', prompt: 'sent to ••• ••• 89' });
    expect(sent).toHaveLength(1);
  });
});
