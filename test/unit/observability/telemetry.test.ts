import { describe, expect, it } from 'vitest';
import type { AuthRecord } from '../../../src/observability/radius-observer.js';
import { MAX_KEYS, MINUTES, OTHER, Telemetry } from '../../../src/observability/telemetry.js';
import { ManualClock } from '../../../src/shared/clock.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

const rec = (at: number, over: Partial<AuthRecord> = {}): AuthRecord => ({
  at,
  result: 'accept',
  reason: 'ok',
  client: 'vpn',
  user: 'alice',
  identity: 'alice',
  correlationId: `c-${at}`,
  latencyMs: 3,
  src: '127.0.0.1:40000',
  ...over,
});

describe('Telemetry per-minute buckets (injected clock)', () => {
  it('counts each result in its minute and shows 1440 points ending at now', () => {
    const clock = new ManualClock(T0);
    const t = new Telemetry(10);
    t.onAuth(rec(clock.now()));
    t.onAuth(rec(clock.now() + 1000, { result: 'reject', reason: 'bad_password' }));
    clock.advance(60_000);
    t.onAuth(rec(clock.now(), { result: 'challenge', reason: 'challenge_sent' }));
    const pts = t.perMinute(clock.now());
    expect(pts).toHaveLength(MINUTES);
    expect(pts.at(-1)).toEqual({ at: T0 + 60_000, accept: 0, reject: 0, challenge: 1 });
    expect(pts.at(-2)).toEqual({ at: T0, accept: 1, reject: 1, challenge: 0 });
    expect(pts.slice(0, -2).every((p) => p.accept + p.reject + p.challenge === 0)).toBe(true);
  });

  it('rolls over after 24 h: the slot of a minute a day ago starts again at zero', () => {
    const clock = new ManualClock(T0);
    const t = new Telemetry(10);
    for (let i = 0; i < 5; i++) t.onAuth(rec(clock.now()));
    // The same slot, exactly one day later.
    clock.advance(MINUTES * 60_000);
    t.onAuth(rec(clock.now(), { result: 'reject', reason: 'bad_code' }));
    const pts = t.perMinute(clock.now());
    expect(pts.at(-1)).toEqual({ at: T0 + MINUTES * 60_000, accept: 0, reject: 1, challenge: 0 });
    // The day-old minute is outside the window and not counted anywhere.
    expect(pts.reduce((a, p) => a + p.accept, 0)).toBe(0);
    // A day and a half later without traffic: everything has aged out.
    clock.advance(MINUTES * 90_000);
    expect(t.perMinute(clock.now()).reduce((a, p) => a + p.accept + p.reject + p.challenge, 0)).toBe(0);
    // But the totals since start keep them.
    expect(t.answered).toBe(6);
  });

  it('keeps a minute 23 h 59 min old and drops one of 24 h', () => {
    const t = new Telemetry(10);
    t.onAuth(rec(T0));
    expect(t.perMinute(T0 + (MINUTES - 1) * 60_000)[0]).toMatchObject({ at: T0, accept: 1 });
    expect(t.perMinute(T0 + MINUTES * 60_000).some((p) => p.accept > 0)).toBe(false);
  });
});

describe('Telemetry counts', () => {
  it('counts by client and reason, rejects by reason, drops by cause and source (port dropped)', () => {
    const t = new Telemetry(10);
    t.onAuth(rec(T0, { client: 'fw', result: 'reject', reason: 'bad_password' }));
    t.onAuth(rec(T0, { client: 'fw', result: 'reject', reason: 'bad_password' }));
    t.onAuth(rec(T0, { client: 'vpn', result: 'reject', reason: 'locked_out' }));
    t.onAuth(rec(T0, { client: 'vpn' }));
    t.onDrop({ at: T0, cause: 'bad_message_authenticator', src: '10.0.0.9:5000' });
    t.onDrop({ at: T0, cause: 'bad_message_authenticator', src: '10.0.0.9:5001' });
    t.onDrop({ at: T0, cause: 'unknown_client', src: '[::1]:99' });
    const fw = t.byClient().find((c) => c.client === 'fw')!;
    expect(fw).toMatchObject({ accept: 0, reject: 2, challenge: 0 });
    expect(fw.reasons.get('bad_password')).toBe(2);
    expect(t.rejectsByReason()).toEqual([
      ['bad_password', 2],
      ['locked_out', 1],
    ]);
    expect(t.dropsByCause()).toEqual([
      ['bad_message_authenticator', 2],
      ['unknown_client', 1],
    ]);
    expect(t.dropsBySource()).toEqual([
      ['10.0.0.9', 2],
      ['::1', 1],
    ]);
    expect(t.dropped).toBe(3);
  });

  it('bounds the keys: clients beyond MAX_KEYS are counted as (other)', () => {
    const t = new Telemetry(0);
    for (let i = 0; i < MAX_KEYS + 10; i++) t.onAuth(rec(T0, { client: `c${i}` }));
    const rows = t.byClient();
    expect(rows).toHaveLength(MAX_KEYS + 1);
    expect(rows.find((r) => r.client === OTHER)?.accept).toBe(10);
  });

  it('latency percentiles come from the histogram buckets', () => {
    const t = new Telemetry(0);
    for (let i = 0; i < 90; i++) t.onAuth(rec(T0, { latencyMs: 4 }));
    for (let i = 0; i < 9; i++) t.onAuth(rec(T0, { latencyMs: 150 }));
    t.onAuth(rec(T0, { latencyMs: 45_000 }));
    expect(t.latencyPercentiles([50, 90, 99, 100])).toEqual([
      { p: 50, ms: 5 },
      { p: 90, ms: 5 },
      { p: 99, ms: 200 },
      { p: 100, ms: 45_000 },
    ]);
    expect(new Telemetry(0).latencyPercentiles([50])).toEqual([{ p: 50, ms: undefined }]);
    // Never above the slowest answer seen: all at 3 ms is p50 3 ms, not the bucket's 5.
    const fast = new Telemetry(0);
    for (let i = 0; i < 10; i++) fast.onAuth(rec(T0, { latencyMs: 3 }));
    expect(fast.latencyPercentiles([50, 99])).toEqual([
      { p: 50, ms: 3 },
      { p: 99, ms: 3 },
    ]);
  });
});

describe('Telemetry recent events', () => {
  it('keeps the last N in a ring, newest first, and searches by user, client and correlation id', () => {
    const t = new Telemetry(3);
    t.onAuth(rec(T0, { correlationId: 'aaa-1', user: 'Alice' }));
    t.onAuth(rec(T0 + 1, { correlationId: 'bbb-2', user: 'bob', client: 'fw' }));
    t.onAuth(rec(T0 + 2, { correlationId: 'ccc-3', user: 'CORP\\carol', identity: 'carol' }));
    t.onAuth(rec(T0 + 3, { correlationId: 'ddd-4', user: 'dave' }));
    expect(t.recent().map((r) => r.correlationId)).toEqual(['ddd-4', 'ccc-3', 'bbb-2']);
    expect(t.recent({ correlationId: 'aaa-1' })).toEqual([]);
    expect(t.recent({ correlationId: 'ccc' })).toEqual([]);
    expect(t.recent({ correlationId: ' ccc-3 ' }).map((r) => r.user)).toEqual(['CORP\\carol']);
    expect(t.recent({ user: 'CAROL' }).map((r) => r.correlationId)).toEqual(['ccc-3']);
    expect(t.recent({ client: 'FW' }).map((r) => r.correlationId)).toEqual(['bbb-2']);
    expect(t.recent({ limit: 1 })).toHaveLength(1);
  });
});
