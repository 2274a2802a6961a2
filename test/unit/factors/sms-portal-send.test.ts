import { describe, expect, it } from 'vitest';
import { SmsFactor } from '../../../src/factors/sms-factor.js';
import { ManualClock, ManualTimers } from '../../../src/shared/clock.js';
import type { SmsMessage } from '../../../src/sms/sms-sender.js';
import { MemoryOobWaiter } from '../../../src/state/oob-waiter.js';
import type { SmsReply } from '../../../src/factors/sms-factor.js';

/**
 * The portal's two sends (issue 11): `sendCode` at sign-in and `sendTo` for a phone being
 * enrolled. Both return at once with the code's data, even with two-way SMS (a login would hold
 * the request for the phone's reply there), and `verify` checks the code typed back.
 */
function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const sent: SmsMessage[] = [];
  const f = new SmsFactor({
    sender: {
      name: 'fake',
      send: async (m) => {
        sent.push(m);
        return { kind: 'sent', provider: 'fake' };
      },
      close: async () => {},
    },
    budget: { tryConsume: async () => ({ ok: true, ticket: { at: 0 } }), refund: async () => true },
    phones: { phoneFor: async () => '+4915123456789' },
    clock,
    rng: { bytes: (n) => Buffer.alloc(n, 5) },
    log: { info: () => {}, warn: () => {} },
    options: {
      digits: 6,
      codeTtlSec: 120,
      message: 'code {code}',
      prompt: 'sent to {phone}',
      resendKeyword: 'resend',
      resendCooldownSec: 30,
      twoWay: true,
      twoWayPrompt: 'reply to the SMS',
    },
    replies: new MemoryOobWaiter<SmsReply>(new ManualTimers(clock)),
  });
  const ctx = {
    correlationId: 'c',
    clientName: 'portal',
    deadline: clock.now() + 30_000,
    signal: new AbortController().signal,
  };
  return { f, sent, clock, ctx };
}

describe('SmsFactor for the portal', () => {
  it('sendCode: the enrolled phone gets a code at once (no wait for a reply), verify takes it', async () => {
    const { f, sent, ctx } = setup();
    expect(f.outOfBand).toBe(true);
    const r = await f.sendCode({ id: 'sam', loginName: 'sam' }, ctx);
    expect(r.kind).toBe('prompt');
    expect(sent.map((m) => m.to)).toEqual(['+4915123456789']);
    const code = /\d{6}/.exec(sent[0]!.text)![0];
    const data = r.kind === 'prompt' ? r.data : undefined;
    expect(await f.verify('sam', '000000', ctx, data)).toEqual({ kind: 'bad_code' });
    expect(await f.verify('sam', code, ctx, data)).toEqual({ kind: 'ok' });
  });

  it('sendTo: a number being enrolled gets the code; after code_ttl_sec it is expired', async () => {
    const { f, sent, clock, ctx } = setup();
    const r = await f.sendTo('sam', '+436641234567', ctx);
    expect(sent.map((m) => m.to)).toEqual(['+436641234567']);
    const code = /\d{6}/.exec(sent[0]!.text)![0];
    clock.advance(121_000);
    expect(await f.verify('sam', code, ctx, r.kind === 'prompt' ? r.data : undefined)).toEqual({
      kind: 'expired',
    });
  });
});
