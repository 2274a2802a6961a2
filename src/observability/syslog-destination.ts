import type { Clock, Timers } from '../shared/clock.js';
import { headerBuilder, lineFields, nextSequenceId, severityOfLevel } from './syslog-format.js';
import { type LinkEvents, type LinkSettings, openLink, type SyslogLink } from './syslog-transport.js';

/**
 * A pino destination that forwards every line to a syslog server without ever making the caller
 * wait: write() only appends to a bounded queue (O(1)); the queue is sent when the link is up, the
 * link is rebuilt with backoff when it drops, a full queue drops the newest lines and counts them,
 * and an unreachable server is reported at most once a minute.
 */

export interface SyslogDestinationOptions {
  readonly link: LinkSettings;
  readonly facility: number;
  readonly appName: string;
  readonly hostname: string;
  readonly procId: string;
  readonly queueSize: number;
  readonly maxMessageBytes: number;
  readonly bom: boolean;
  readonly clock: Clock;
  readonly timers: Timers;
  /** For tests: the link factory (default: the real sockets). */
  readonly openLink?: (s: LinkSettings, ev: LinkEvents) => SyslogLink;
}

/** What the destination says about itself; the caller logs it (the `syslog_*` events). */
export type SyslogNotice =
  | {
      readonly kind: 'unreachable';
      readonly error: string;
      readonly dropped: number;
      readonly queued: number;
    }
  | { readonly kind: 'connected'; readonly after_failures: number };

export interface SyslogCounters {
  readonly syslog_sent: number;
  readonly syslog_dropped: number;
  readonly syslog_queued: number;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const WARN_EVERY_MS = 60_000;
/** Up this long, a link counts as working again: the next failure starts at the shortest backoff. */
const STABLE_MS = 10_000;

interface Queued {
  readonly seq: number;
  readonly line: string;
}

export class SyslogDestination {
  private readonly queue: Array<Queued | undefined> = [];
  private head = 0;
  private seq = 0;
  private link: SyslogLink | undefined;
  private up = false;
  private upAt = 0;
  /** A stream link said "full": wait for its drain. */
  private blocked = false;
  private pumpScheduled = false;
  private retryTimer: unknown;
  private backoffMs = BACKOFF_MIN_MS;
  private failures = 0;
  private lastWarnAt = Number.NEGATIVE_INFINITY;
  private warned = false;
  private closed = false;
  private sent = 0;
  private dropped = 0;
  private notify: (n: SyslogNotice) => void = () => {};

  private readonly build: ReturnType<typeof headerBuilder>;

  constructor(private readonly o: SyslogDestinationOptions) {
    this.build = headerBuilder(
      { facility: o.facility, hostname: o.hostname, appName: o.appName, procId: o.procId, bom: o.bom },
      o.maxMessageBytes,
    );
  }

  /** Where notices go (the logger, which exists only after this destination: set it afterwards). */
  onNotice(fn: (n: SyslogNotice) => void): void {
    this.notify = fn;
  }

  /** Opens the first link; until it is up, lines wait in the queue. */
  start(): void {
    this.connect();
  }

  /** pino calls this once per line at or above min_level (pino.multistream's filter). */
  write(line: string): void {
    if (this.closed) return;
    // Numbered before the queue decides: a dropped line leaves a gap the receiver can see.
    this.seq = nextSequenceId(this.seq);
    if (this.queue.length - this.head >= this.o.queueSize) {
      this.dropped++;
      return;
    }
    this.queue.push({ seq: this.seq, line });
    this.schedulePump();
  }

  counters(): SyslogCounters {
    return {
      syslog_sent: this.sent,
      syslog_dropped: this.dropped,
      syslog_queued: this.queue.length - this.head,
    };
  }

  /** Sends what it can right now, then closes the link; lines still queued are dropped (counted). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.pump();
    this.closed = true;
    if (this.retryTimer !== undefined) this.o.timers.clearTimeout(this.retryTimer);
    this.dropped += this.queue.length - this.head;
    this.queue.length = 0;
    this.head = 0;
    await this.link?.close();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.up || this.blocked) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.up && !this.blocked && this.head < this.queue.length && this.link) {
      const item = this.queue[this.head]!;
      this.queue[this.head] = undefined;
      this.head++;
      this.sent++;
      if (!this.link.send(this.format(item))) this.blocked = true;
    }
    // Compact once the consumed part dominates, so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    } else if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  private format(item: Queued): Buffer {
    const f = lineFields(item.line);
    // The JSON line is the MSG (without its newline); the header repeats its level, time and event.
    // RFC 5424 §7.3.1: meta sequenceId lets the receiver see lines lost on the way.
    return this.build({
      severity: severityOfLevel(f.level ?? 'info'),
      timestamp: f.time ?? new Date(this.o.clock.now()).toISOString(),
      msgId: f.event,
      structuredData: [{ id: 'meta', params: [['sequenceId', String(item.seq)]] }],
      msg: item.line.endsWith('\n') ? item.line.slice(0, -1) : item.line,
    });
  }

  private connect(): void {
    if (this.closed) return;
    this.retryTimer = undefined;
    const open = this.o.openLink ?? openLink;
    let current: SyslogLink | undefined;
    const isCurrent = (): boolean => current !== undefined && this.link === current;
    current = open(this.o.link, {
      onUp: () => {
        if (!isCurrent()) return;
        this.up = true;
        this.upAt = this.o.clock.now();
        this.blocked = false;
        if (this.warned || this.failures === 0)
          this.notify({ kind: 'connected', after_failures: this.failures });
        this.failures = 0;
        this.warned = false;
        this.schedulePump();
      },
      onDrain: () => {
        if (!isCurrent()) return;
        this.blocked = false;
        this.schedulePump();
      },
      onDown: (e) => {
        if (!isCurrent()) return;
        // A link that held for a while starts the backoff afresh; one the server closes at once
        // (a refused client certificate) keeps backing off instead of reconnecting twice a second.
        if (this.up && this.o.clock.now() - this.upAt >= STABLE_MS) this.backoffMs = BACKOFF_MIN_MS;
        this.up = false;
        this.link = undefined;
        this.failed(e?.message ?? 'connection lost');
        if (this.closed) return;
        this.retryTimer = this.o.timers.setTimeout(() => this.connect(), this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      },
      onSendError: (e) => {
        // UDP: the datagram (or the one before it) did not arrive; the link itself stays.
        this.dropped++;
        this.failed(e.message);
      },
    });
    this.link = current;
  }

  private failed(error: string): void {
    this.failures++;
    const now = this.o.clock.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    this.warned = true;
    this.notify({ kind: 'unreachable', error, dropped: this.dropped, queued: this.queue.length - this.head });
  }
}
