import type { Clock } from '../shared/clock.js';

/** The one logger method the refusal log uses; a pino Logger satisfies it. */
export interface WarnLog {
  warn(obj: object, msg: string): void;
}

/**
 * Refused webhook requests (forged or missing signature, malformed form), logged the way
 * src/server/drop-log.ts logs dropped packets: the first per (source address, reason) in each fixed
 * window is a `warn` line, later ones are only counted and go out as `suppressed` on that pair's
 * next line. Memory and lines per window are bounded, so a flood from many sources cannot fill the
 * disk. Every refusal is counted by reason, logged or not.
 */
export class RefusalLog {
  private readonly event: string;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly maxLines: number;
  private current = new Map<string, { suppressed: number }>();
  private previous = new Map<string, { suppressed: number }>();
  private windowEnd: number;
  private lines = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly log: WarnLog,
    opts: {
      /** The event name of the log lines. */
      readonly event: string;
      readonly windowMs?: number;
      readonly maxKeys?: number;
      readonly maxLinesPerWindow?: number;
    },
  ) {
    this.event = opts.event;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 4096;
    this.maxLines = opts.maxLinesPerWindow ?? 200;
    this.windowEnd = clock.now() + this.windowMs;
  }

  refused(reason: string, src: string, fields: Record<string, unknown> = {}): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const now = this.clock.now();
    if (now >= this.windowEnd) {
      this.previous = now >= this.windowEnd + this.windowMs ? new Map() : this.current;
      this.current = new Map();
      this.lines = 0;
      this.windowEnd = now + this.windowMs;
    }
    const key = `${src}|${reason}`;
    const seen = this.current.get(key);
    if (seen) {
      seen.suppressed++;
      return;
    }
    if (this.current.size >= this.maxKeys || this.lines >= this.maxLines) return;
    this.current.set(key, { suppressed: 0 });
    this.lines++;
    const before = this.previous.get(key)?.suppressed ?? 0;
    this.log.warn(
      { event: this.event, reason, src, ...fields, ...(before > 0 ? { suppressed: before } : {}) },
      `refused a request from ${src}: ${reason}`,
    );
  }

  /** Refusals by reason since start. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
