import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { RefusalLog } from '../../../src/web/refusal-log.js';

describe('RefusalLog', () => {
  const setup = (opts: { maxKeys?: number; maxLinesPerWindow?: number } = {}) => {
    const clock = new ManualClock(1_000_000);
    const lines: Array<Record<string, unknown>> = [];
    const log = { warn: (o: object) => lines.push(o as Record<string, unknown>) };
    return { clock, lines, r: new RefusalLog(clock, log, { event: 'sms_webhook_refused', ...opts }) };
  };

  it('one line per source and reason per window; the next window reports the suppressed count', () => {
    const { clock, lines, r } = setup();
    for (let i = 0; i < 5; i++) r.refused('bad_signature', '203.0.113.7');
    r.refused('missing_from', '203.0.113.7');
    r.refused('bad_signature', '198.51.100.1');
    expect(lines).toEqual([
      { event: 'sms_webhook_refused', reason: 'bad_signature', src: '203.0.113.7' },
      { event: 'sms_webhook_refused', reason: 'missing_from', src: '203.0.113.7' },
      { event: 'sms_webhook_refused', reason: 'bad_signature', src: '198.51.100.1' },
    ]);
    clock.advance(60_000);
    r.refused('bad_signature', '203.0.113.7');
    expect(lines.at(-1)).toEqual({
      event: 'sms_webhook_refused',
      reason: 'bad_signature',
      src: '203.0.113.7',
      suppressed: 4,
    });
    expect(r.snapshot()).toEqual({ bad_signature: 7, missing_from: 1 });
  });

  it('a flood from many sources is bounded in lines per window but still counted', () => {
    const { clock, lines, r } = setup({ maxLinesPerWindow: 3 });
    for (let i = 0; i < 50; i++) r.refused('bad_signature', `192.0.2.${i}`);
    expect(lines.length).toBe(3);
    expect(r.snapshot().bad_signature).toBe(50);
    clock.advance(60_000);
    r.refused('bad_signature', '192.0.2.200');
    expect(lines.length).toBe(4);
  });
});
