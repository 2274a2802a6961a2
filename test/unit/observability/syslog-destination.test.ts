import { describe, expect, it } from 'vitest';
import { SyslogDestination, type SyslogNotice } from '../../../src/observability/syslog-destination.js';
import type { LinkEvents, LinkSettings, SyslogLink } from '../../../src/observability/syslog-transport.js';
import { ManualClock, ManualTimers } from '../../../src/shared/clock.js';

/** A link the test controls: it comes up or fails when told, and records what it was sent. */
class FakeLinks {
  readonly opened: Array<{ ev: LinkEvents; sent: string[]; full: boolean }> = [];
  open = (_s: LinkSettings, ev: LinkEvents): SyslogLink => {
    const l = { ev, sent: [] as string[], full: false };
    this.opened.push(l);
    return {
      send: (m) => {
        l.sent.push(m.toString());
        return !l.full;
      },
      close: () => Promise.resolve(),
    };
  };
  get last() {
    return this.opened[this.opened.length - 1]!;
  }
  get all(): string[] {
    return this.opened.flatMap((l) => l.sent);
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(queueSize = 10) {
  const clock = new ManualClock(Date.parse('2026-12-01T22:00:00Z'));
  const timers = new ManualTimers(clock);
  const links = new FakeLinks();
  const notices: SyslogNotice[] = [];
  const dest = new SyslogDestination({
    link: { transport: 'tcp', host: '127.0.0.1', port: 1, connectTimeoutMs: 1000 },
    facility: 4,
    appName: 'mfa',
    hostname: 'h',
    procId: '7',
    queueSize,
    maxMessageBytes: 8192,
    bom: false,
    clock,
    timers,
    openLink: links.open,
  });
  dest.onNotice((n) => notices.push(n));
  dest.start();
  return { clock, timers, links, notices, dest };
}

const line = (n: number, level = 'info') =>
  `{"level":"${level}","time":"2026-12-01T22:00:00.000Z","event":"auth","n":${n}}\n`;

describe('SyslogDestination (never blocks; bounded; reconnects)', () => {
  it('sends each line as one RFC 5424 message with its severity, event and sequence id', async () => {
    const { links, dest } = setup();
    links.last.ev.onUp();
    dest.write(line(1));
    dest.write(line(2, 'warn'));
    await settle();
    expect(links.all).toEqual([
      '<38>1 2026-12-01T22:00:00.000Z h mfa 7 auth [meta sequenceId="1"] {"level":"info","time":"2026-12-01T22:00:00.000Z","event":"auth","n":1}',
      '<36>1 2026-12-01T22:00:00.000Z h mfa 7 auth [meta sequenceId="2"] {"level":"warn","time":"2026-12-01T22:00:00.000Z","event":"auth","n":2}',
    ]);
    expect(dest.counters()).toEqual({ syslog_sent: 2, syslog_dropped: 0, syslog_queued: 0 });
  });

  it('queues while the server is down, drops past queue_size (counted), sends the rest on recovery', async () => {
    const { links, timers, notices, dest } = setup(5);
    links.last.ev.onDown(new Error('ECONNREFUSED'));
    for (let i = 1; i <= 8; i++) dest.write(line(i));
    expect(dest.counters()).toEqual({ syslog_sent: 0, syslog_dropped: 3, syslog_queued: 5 });
    expect(notices).toEqual([{ kind: 'unreachable', error: 'ECONNREFUSED', dropped: 0, queued: 0 }]);
    // Backoff: the next attempt after 500 ms, then 1 s, 2 s, …
    timers.advance(499);
    expect(links.opened).toHaveLength(1);
    timers.advance(1);
    expect(links.opened).toHaveLength(2);
    links.last.ev.onDown(new Error('ECONNREFUSED'));
    timers.advance(999);
    expect(links.opened).toHaveLength(2);
    timers.advance(1);
    expect(links.opened).toHaveLength(3);
    links.last.ev.onUp();
    await settle();
    // Lines 1-5 arrive in order; 6-8 were dropped, and their sequence ids leave the gap.
    expect(links.all.map((m) => /"n":(\d+)/.exec(m)![1])).toEqual(['1', '2', '3', '4', '5']);
    expect(links.all.map((m) => /sequenceId="(\d+)"/.exec(m)![1])).toEqual(['1', '2', '3', '4', '5']);
    dest.write(line(9));
    await settle();
    expect(links.all[5]).toContain('sequenceId="9"');
    expect(dest.counters()).toEqual({ syslog_sent: 6, syslog_dropped: 3, syslog_queued: 0 });
    expect(notices[notices.length - 1]).toEqual({ kind: 'connected', after_failures: 2 });
  });

  it('warns at most once a minute while the server stays down', () => {
    const { links, timers, notices, clock, dest } = setup();
    const t0 = clock.now();
    const at: number[] = [];
    dest.onNotice((n) => {
      notices.push(n);
      if (n.kind === 'unreachable') at.push(clock.now() - t0);
    });
    links.last.ev.onDown(new Error('down'));
    // Ten minutes of failed attempts (the backoff caps at 30 s): many attempts, few warnings.
    while (clock.now() - t0 < 600_000) {
      timers.advance(1_000);
      if (links.last.ev) links.last.ev.onDown(new Error('down'));
    }
    expect(links.opened.length).toBeGreaterThan(20);
    expect(at[0]).toBe(0);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(60_000);
    expect(at.length).toBeGreaterThanOrEqual(9);
    expect(at.length).toBeLessThanOrEqual(11);
  });

  it('backs off against a server that closes every connection at once; a link that held resets it', () => {
    const { links, timers } = setup();
    const gaps: number[] = [];
    let last = 0;
    for (let i = 0; i < 6; i++) {
      links.last.ev.onUp();
      links.last.ev.onDown(new Error('closed'));
      const n = links.opened.length;
      let waited = 0;
      while (links.opened.length === n) {
        timers.advance(100);
        waited += 100;
      }
      gaps.push(waited);
      last = waited;
    }
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 16000]);
    // Up for 10 s, then dropped: back to the shortest wait.
    links.last.ev.onUp();
    timers.advance(10_000);
    links.last.ev.onDown(new Error('closed'));
    const n = links.opened.length;
    timers.advance(500);
    expect(links.opened.length).toBe(n + 1);
    expect(last).toBe(16000);
  });

  it('stops at a full stream buffer and goes on at drain', async () => {
    const { links, dest } = setup();
    links.last.ev.onUp();
    links.last.full = true;
    dest.write(line(1));
    dest.write(line(2));
    await settle();
    expect(links.all).toHaveLength(1);
    expect(dest.counters().syslog_queued).toBe(1);
    links.last.full = false;
    links.last.ev.onDrain();
    await settle();
    expect(links.all).toHaveLength(2);
  });

  it('write() returns at once, however many lines wait', () => {
    const { dest } = setup(100_000);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) dest.write(line(i));
    const perLineNs = Number(process.hrtime.bigint() - t0) / 100_000;
    expect(dest.counters().syslog_queued).toBe(100_000);
    // Generous: a queue push, not a format or a socket write (measured ≈ 0.1 µs).
    expect(perLineNs).toBeLessThan(5_000);
  });

  it('counts UDP send errors as drops and reports them (rate-limited)', () => {
    const { links, notices, dest } = setup();
    links.last.ev.onUp();
    links.last.ev.onSendError(new Error('ECONNREFUSED'));
    links.last.ev.onSendError(new Error('ECONNREFUSED'));
    expect(dest.counters().syslog_dropped).toBe(2);
    expect(notices.filter((n) => n.kind === 'unreachable')).toHaveLength(1);
  });

  it('after close, nothing is queued and no reconnect is tried', async () => {
    const { links, timers, dest } = setup();
    links.last.ev.onDown(new Error('x'));
    dest.write(line(1));
    await dest.close();
    expect(dest.counters()).toEqual({ syslog_sent: 0, syslog_dropped: 1, syslog_queued: 0 });
    timers.advance(60_000);
    expect(links.opened).toHaveLength(1);
    dest.write(line(2));
    expect(dest.counters().syslog_queued).toBe(0);
  });
});
