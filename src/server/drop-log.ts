import type { Logger } from '../observability/logger.js';
import type { Clock } from '../shared/clock.js';

/** Where a datagram came from. */
export interface Peer {
  readonly address: string;
  readonly port: number;
}

/** What the listeners report a drop to: the cause is the counter name without `dropped_`. */
export interface DropSink {
  dropped(cause: string, peer: Peer, client?: string): void;
}

export interface DropLogOptions {
  /** One `dropped` line per (source address, cause) per window. Default 60 s. */
  readonly windowMs?: number;
  /** Bound on the (source, cause) pairs remembered per window; beyond it nothing new is logged. */
  readonly maxKeys?: number;
  /** Bound on `dropped` lines per window over all sources, so spoofed sources cannot fill the disk. */
  readonly maxLinesPerWindow?: number;
  /** Bound on the sources counted per stats interval; the rest are summed under `other`. */
  readonly maxSources?: number;
  /** How many sources the stats event lists, most drops first. */
  readonly topSources?: number;
}

interface Limit {
  suppressed: number;
}

/**
 * Issue 9 item 8: a dropped packet (wrong secret, missing Message-Authenticator, unknown source) must
 * leave a trace that names the source, without letting a flood fill the disk. The first drop per
 * (source address, cause) in each fixed window is logged at warn; later ones are only counted, and the
 * count goes out as `suppressed` on that pair's next line, and per source in the stats event.
 * Memory is bounded: two windows of at most `maxKeys` pairs, and at most `maxSources` sources.
 */
export class DropLog implements DropSink {
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly maxLines: number;
  private readonly maxSources: number;
  private readonly topSources: number;
  private current = new Map<string, Limit>();
  private previous = new Map<string, Limit>();
  private windowEnd: number;
  private lines = 0;
  /** Since the last stats snapshot. */
  private bySource = new Map<string, Record<string, number>>();
  private suppressedSinceStats = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: DropLogOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 4096;
    this.maxLines = opts.maxLinesPerWindow ?? 200;
    this.maxSources = opts.maxSources ?? 1024;
    this.topSources = opts.topSources ?? 10;
    this.windowEnd = clock.now() + this.windowMs;
  }

  dropped(cause: string, peer: Peer, client?: string): void {
    this.countSource(peer.address, cause);
    this.roll(this.clock.now());
    const key = `${peer.address}|${cause}`;
    const seen = this.current.get(key);
    if (seen) {
      seen.suppressed++;
      this.suppressedSinceStats++;
      return;
    }
    if (this.current.size >= this.maxKeys || this.lines >= this.maxLines) {
      // Over budget: counted in the stats event only.
      this.suppressedSinceStats++;
      return;
    }
    this.current.set(key, { suppressed: 0 });
    this.lines++;
    const before = this.previous.get(key)?.suppressed ?? 0;
    this.log.warn(
      {
        event: 'dropped',
        cause,
        src: peer.address,
        port: peer.port,
        ...(client !== undefined ? { client } : {}),
        ...(before > 0 ? { suppressed: before } : {}),
      },
      `dropped a packet from ${peer.address}: ${cause}`,
    );
  }

  /**
   * For the stats event: drops per source since the last call (the sources with most drops first),
   * and how many drops were not logged. Resets both.
   */
  snapshot(): { dropped_by_source: Record<string, Record<string, number>>; dropped_unlogged: number } {
    const total = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
    const top = [...this.bySource].sort((a, b) => total(b[1]) - total(a[1])).slice(0, this.topSources);
    const out = { dropped_by_source: Object.fromEntries(top), dropped_unlogged: this.suppressedSinceStats };
    this.bySource = new Map();
    this.suppressedSinceStats = 0;
    return out;
  }

  private countSource(address: string, cause: string): void {
    let counts = this.bySource.get(address);
    if (!counts) {
      const source = this.bySource.size >= this.maxSources ? 'other' : address;
      counts = this.bySource.get(source);
      if (!counts) {
        counts = {};
        this.bySource.set(source, counts);
      }
    }
    counts[cause] = (counts[cause] ?? 0) + 1;
  }

  /** Fixed windows: the pairs seen in the last one are kept only for their `suppressed` counts. */
  private roll(now: number): void {
    if (now < this.windowEnd) return;
    this.previous = now >= this.windowEnd + this.windowMs ? new Map() : this.current;
    this.current = new Map();
    this.lines = 0;
    this.windowEnd = now + this.windowMs;
  }
}
