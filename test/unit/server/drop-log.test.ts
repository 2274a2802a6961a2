import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { StatsReporter } from '../../../src/observability/stats-reporter.js';
import { Counters } from '../../../src/server/counters.js';
import { DropLog, type DropLogOptions } from '../../../src/server/drop-log.js';
import { ManualClock } from '../../../src/shared/clock.js';

function setup(opts: DropLogOptions = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: 'info',
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const drops = new DropLog(clock, log, opts);
  const dropped = () => lines.filter((l) => l.event === 'dropped');
  return { lines, log, clock, drops, dropped };
}

const peer = (address: string, port = 40000) => ({ address, port });

describe('DropLog: one warn line per (source, cause) per window, the rest counted', () => {
  it('logs the first drop with source, port, cause and client, at warn', () => {
    const { drops, dropped } = setup();
    drops.dropped('bad_message_authenticator', peer('10.0.0.9', 51000), 'vpn');
    expect(dropped()).toEqual([
      expect.objectContaining({
        level: 'warn',
        event: 'dropped',
        cause: 'bad_message_authenticator',
        src: '10.0.0.9',
        port: 51000,
        client: 'vpn',
      }),
    ]);
    expect(dropped()[0]).not.toHaveProperty('suppressed');
  });

  it('an unknown source has no client field', () => {
    const { drops, dropped } = setup();
    drops.dropped('unknown_client', peer('192.0.2.1'));
    expect(dropped()[0]).not.toHaveProperty('client');
  });

  it('10,000 drops from one source in a minute: one line; the next window says how many were suppressed', () => {
    const { drops, dropped, clock } = setup();
    for (let i = 0; i < 10_000; i++) {
      drops.dropped('bad_message_authenticator', peer('10.0.0.9', 1024 + (i % 1000)), 'vpn');
      clock.advance(5); // 50 s in all: still the first window
    }
    expect(dropped()).toHaveLength(1);
    clock.advance(10_000);
    drops.dropped('bad_message_authenticator', peer('10.0.0.9'), 'vpn');
    expect(dropped()).toHaveLength(2);
    expect(dropped()[1]).toMatchObject({ suppressed: 9_999 });
  });

  it('another cause or another source gets its own line', () => {
    const { drops, dropped } = setup();
    drops.dropped('bad_message_authenticator', peer('10.0.0.9'), 'vpn');
    drops.dropped('missing_message_authenticator', peer('10.0.0.9'), 'vpn');
    drops.dropped('bad_message_authenticator', peer('10.0.0.10'), 'vpn');
    drops.dropped('bad_message_authenticator', peer('10.0.0.10'), 'vpn');
    expect(dropped().map((l) => `${l.src} ${l.cause}`)).toEqual([
      '10.0.0.9 bad_message_authenticator',
      '10.0.0.9 missing_message_authenticator',
      '10.0.0.10 bad_message_authenticator',
    ]);
  });

  it('spoofed sources cannot fill the disk: at most maxLinesPerWindow lines, and bounded memory', () => {
    const { drops, dropped, clock } = setup({ maxLinesPerWindow: 50, maxKeys: 100, maxSources: 64 });
    for (let i = 0; i < 20_000; i++)
      drops.dropped('unknown_client', peer(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    expect(dropped()).toHaveLength(50);
    const snap = drops.snapshot();
    // 64 sources tracked by name, the rest summed under "other"; only the top 10 are listed.
    expect(Object.keys(snap.dropped_by_source)).toHaveLength(10);
    expect(snap.dropped_by_source.other).toEqual({ unknown_client: 20_000 - 64 });
    expect(snap.dropped_unlogged).toBe(20_000 - 50);
    // A new window has a fresh line budget.
    clock.advance(60_000);
    drops.dropped('unknown_client', peer('10.9.9.9'));
    expect(dropped()).toHaveLength(51);
  });

  it('a pair at the key cap is not logged in this window, only counted', () => {
    const { drops, dropped } = setup({ maxKeys: 2 });
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) drops.dropped('malformed', peer(a), 'vpn');
    expect(dropped().map((l) => l.src)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(drops.snapshot().dropped_unlogged).toBe(1);
  });

  it('a pair idle for a whole window starts afresh, without a stale suppressed count', () => {
    const { drops, dropped, clock } = setup();
    drops.dropped('malformed', peer('10.0.0.1'), 'vpn');
    drops.dropped('malformed', peer('10.0.0.1'), 'vpn');
    clock.advance(180_000);
    drops.dropped('malformed', peer('10.0.0.1'), 'vpn');
    expect(dropped()).toHaveLength(2);
    expect(dropped()[1]).not.toHaveProperty('suppressed');
  });
});

describe('StatsReporter: drops by source in the stats event', () => {
  it('lists the top sources by drops since the last stats event, then starts over', () => {
    const { drops, log, lines } = setup();
    for (let i = 0; i < 12; i++) drops.dropped('bad_message_authenticator', peer('10.0.0.9'), 'vpn');
    drops.dropped('unknown_client', peer('10.0.0.9'));
    drops.dropped('unknown_client', peer('192.0.2.7'));
    const stats = new StatsReporter(new Counters(), log, () => ({}), drops);
    stats.report();
    stats.report();
    stats.stop();
    const [first, second] = lines.filter((l) => l.event === 'stats');
    expect(first).toMatchObject({
      dropped_by_source: {
        '10.0.0.9': { bad_message_authenticator: 12, unknown_client: 1 },
        '192.0.2.7': { unknown_client: 1 },
      },
      dropped_unlogged: 11,
    });
    expect(Object.keys(first!.dropped_by_source as object)).toEqual(['10.0.0.9', '192.0.2.7']);
    expect(second).toMatchObject({ dropped_by_source: {}, dropped_unlogged: 0 });
  });
});
