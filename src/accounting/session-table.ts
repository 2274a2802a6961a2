import { type AccountingRecord, AcctStatus } from './accounting-record.js';

/** Who is connected from where, as accounting tells it. */
export interface Session {
  readonly client: string;
  readonly nas: string;
  readonly sessionId: string;
  readonly userName: string | undefined;
  readonly nasIp: string | undefined;
  readonly nasIdentifier: string | undefined;
  readonly framedIp: string | undefined;
  readonly callingStationId: string | undefined;
  /** Clock ms of the first record seen (the Start, or the first Interim-Update after a restart). */
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly sessionTime: number | undefined;
  readonly inputOctets: number | undefined;
  readonly outputOctets: number | undefined;
}

export interface SessionTableOptions {
  /** Bound on memory: the least recently updated sessions go first. */
  readonly maxSessions: number;
  /** A session with no record for this long is forgotten (a Stop that never came). */
  readonly staleMs: number;
}

/**
 * Sessions from accounting, in memory: Start creates, Interim-Update updates (or creates, after a
 * restart of this process), Stop removes, Accounting-On/-Off (the NAS rebooted) removes every
 * session of that NAS (RFC 2866 §5.1). Kept for later use (who is connected from where); rebuilt by
 * the gateways' interim updates after a restart, so it needs no persistence.
 */
export class SessionTable {
  /** Insertion order = update order (entries are re-inserted on update), for eviction. */
  private readonly sessions = new Map<string, Session>();
  private nextSweep = 0;

  constructor(
    private readonly opts: SessionTableOptions = { maxSessions: 100_000, staleMs: 48 * 3600_000 },
  ) {}

  apply(rec: AccountingRecord): void {
    const nas = rec.nasIp ?? rec.nasIdentifier ?? rec.src;
    this.sweep(rec.at);
    switch (rec.statusType) {
      case AcctStatus.AccountingOn:
      case AcctStatus.AccountingOff:
        for (const [k, s] of this.sessions)
          if (s.client === rec.client && s.nas === nas) this.sessions.delete(k);
        return;
      case AcctStatus.Start:
      case AcctStatus.InterimUpdate:
      case AcctStatus.Stop:
        break;
      default:
        return;
    }
    if (rec.sessionId === undefined) return;
    const key = `${rec.client}\u0000${nas}\u0000${rec.sessionId}`;
    const prev = this.sessions.get(key);
    this.sessions.delete(key);
    if (rec.statusType === AcctStatus.Stop) return;
    this.sessions.set(key, {
      client: rec.client,
      nas,
      sessionId: rec.sessionId,
      userName: rec.userName ?? prev?.userName,
      nasIp: rec.nasIp ?? prev?.nasIp,
      nasIdentifier: rec.nasIdentifier ?? prev?.nasIdentifier,
      framedIp: rec.framedIp ?? prev?.framedIp,
      callingStationId: rec.callingStationId ?? prev?.callingStationId,
      startedAt: prev?.startedAt ?? rec.at,
      updatedAt: rec.at,
      sessionTime: rec.sessionTime ?? prev?.sessionTime,
      inputOctets: rec.inputOctets ?? prev?.inputOctets,
      outputOctets: rec.outputOctets ?? prev?.outputOctets,
    });
    if (this.sessions.size > this.opts.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  /** The open sessions of a user (User-Name compared case-insensitively). */
  forUser(userName: string): Session[] {
    const want = userName.toLowerCase();
    return this.list().filter((s) => s.userName?.toLowerCase() === want);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    // Oldest first: stop at the first session that is still fresh.
    for (const [k, s] of this.sessions) {
      if (s.updatedAt > now - this.opts.staleMs) break;
      this.sessions.delete(k);
    }
  }
}
