import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { FailoverSender, type SendFailureReport } from '../../../src/sms/failover-sender.js';
import type { SendResult, SmsSender } from '../../../src/sms/sms-sender.js';

const msg = { to: '+4915112345678', text: 'code 1', correlationId: 'c' };

/** A sender that answers a fixed result and advances the clock by its latency. */
function fake(name: string, result: SendResult['kind'] | 'timeout', clock: ManualClock, latency = 0) {
  const calls: number[] = [];
  const sender: SmsSender = {
    name,
    async send(_m, opts) {
      calls.push(opts.deadline);
      clock.advance(latency);
      if (result === 'sent') return { kind: 'sent', provider: name, messageId: `${name}-1` };
      return {
        kind: 'failed',
        provider: name,
        reason: result === 'timeout' ? 'timeout' : 'network',
        detail: `${name} down`,
      };
    },
    async close() {},
  };
  return { sender, calls };
}

describe('FailoverSender', () => {
  it('the first that sends wins; the ones after it are not called', async () => {
    const clock = new ManualClock(0);
    const a = fake('a', 'failed', clock);
    const b = fake('b', 'sent', clock);
    const c = fake('c', 'sent', clock);
    const reports: SendFailureReport[] = [];
    const f = new FailoverSender([a.sender, b.sender, c.sender], {
      clock,
      onFailure: (r) => reports.push(r),
    });
    expect(await f.send(msg, { deadline: 10_000 })).toEqual({
      kind: 'sent',
      provider: 'b',
      messageId: 'b-1',
    });
    expect(c.calls).toHaveLength(0);
    expect(reports).toEqual([
      { provider: 'a', reason: 'network', detail: 'a down', correlationId: 'c', attempt: 0 },
    ]);
  });

  it('one deadline for all: a provider that used it up leaves none for the next', async () => {
    const clock = new ManualClock(0);
    const a = fake('a', 'timeout', clock, 5000);
    const b = fake('b', 'sent', clock);
    const f = new FailoverSender([a.sender, b.sender], { clock });
    const r = await f.send(msg, { deadline: 5000 });
    expect(r).toMatchObject({ kind: 'failed', provider: 'b', reason: 'timeout' });
    expect(r.kind === 'failed' && r.detail).toBe(
      'no provider sent: a: timeout (a down); deadline passed before b was tried',
    );
    expect(b.calls).toHaveLength(0);
    expect(a.calls).toEqual([5000]);
  });

  it('an aborted login stops the chain', async () => {
    const clock = new ManualClock(0);
    const a = fake('a', 'sent', clock);
    const ac = new AbortController();
    ac.abort();
    const f = new FailoverSender([a.sender], { clock });
    expect(await f.send(msg, { deadline: 1000, signal: ac.signal })).toMatchObject({
      kind: 'failed',
      reason: 'aborted',
    });
    expect(a.calls).toHaveLength(0);
  });

  it('a throwing failure callback does not stop the failover', async () => {
    const clock = new ManualClock(0);
    const f = new FailoverSender([fake('a', 'failed', clock).sender, fake('b', 'sent', clock).sender], {
      clock,
      onFailure: () => {
        throw new Error('log sink broken');
      },
    });
    expect(await f.send(msg, { deadline: 1000 })).toMatchObject({ kind: 'sent', provider: 'b' });
  });

  it('no providers: a failed result, not a throw', async () => {
    const f = new FailoverSender([], { clock: new ManualClock(0) });
    expect(await f.send(msg, { deadline: 1 })).toMatchObject({ kind: 'failed', reason: 'not_connected' });
  });
});
