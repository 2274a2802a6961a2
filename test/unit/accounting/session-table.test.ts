import { describe, expect, it } from 'vitest';
import type { AccountingRecord } from '../../../src/accounting/accounting-record.js';
import { SessionTable } from '../../../src/accounting/session-table.js';

const rec = (over: Partial<AccountingRecord>): AccountingRecord => ({
  at: 1000,
  client: 'vpn',
  src: '127.0.0.1:5000',
  statusType: 1,
  sessionId: 's1',
  userName: 'alice',
  nasIp: '10.0.0.1',
  nasIdentifier: undefined,
  framedIp: '172.16.0.2',
  callingStationId: '198.51.100.7',
  sessionTime: undefined,
  inputOctets: undefined,
  outputOctets: undefined,
  ...over,
});

describe('SessionTable: who is connected from where', () => {
  it('Start creates, Interim-Update updates, Stop removes', () => {
    const t = new SessionTable();
    t.apply(rec({}));
    expect(t.list()).toMatchObject([
      { sessionId: 's1', userName: 'alice', framedIp: '172.16.0.2', startedAt: 1000 },
    ]);
    t.apply(rec({ statusType: 3, at: 61_000, sessionTime: 60, inputOctets: 10, framedIp: undefined }));
    expect(t.forUser('Alice')).toMatchObject([
      { startedAt: 1000, updatedAt: 61_000, sessionTime: 60, inputOctets: 10, framedIp: '172.16.0.2' },
    ]);
    t.apply(rec({ statusType: 2, at: 62_000 }));
    expect(t.size).toBe(0);
  });

  it('an Interim-Update for an unknown session (after our restart) creates it', () => {
    const t = new SessionTable();
    t.apply(rec({ statusType: 3, sessionId: 'late' }));
    expect(t.list()).toMatchObject([{ sessionId: 'late' }]);
  });

  it('the same Acct-Session-Id on two NASes are two sessions; Accounting-On clears one NAS only', () => {
    const t = new SessionTable();
    t.apply(rec({ nasIp: '10.0.0.1' }));
    t.apply(rec({ nasIp: '10.0.0.2' }));
    expect(t.size).toBe(2);
    t.apply(rec({ statusType: 7, nasIp: '10.0.0.1', sessionId: undefined }));
    expect(t.list()).toMatchObject([{ nasIp: '10.0.0.2' }]);
  });

  it('is bounded: the least recently updated session goes first; stale sessions are forgotten', () => {
    const t = new SessionTable({ maxSessions: 2, staleMs: 10_000 });
    t.apply(rec({ sessionId: 'a' }));
    t.apply(rec({ sessionId: 'b' }));
    t.apply(rec({ sessionId: 'a', statusType: 3, at: 2000 }));
    t.apply(rec({ sessionId: 'c', at: 3000 }));
    expect(t.list().map((s) => s.sessionId)).toEqual(['a', 'c']);
    t.apply(rec({ sessionId: 'd', at: 100_000 }));
    expect(t.list().map((s) => s.sessionId)).toEqual(['d']);
  });
});
