import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Counters } from '../server/counters.js';
import type { Logger } from './logger.js';

/** Per-interval figures that reset when read (drops by source, issue 9 item 8). */
export interface IntervalStats {
  snapshot(): Record<string, unknown>;
}

/**
 * Logs the packet counters and the event-loop delay periodically: the searchable record of drops
 * by cause (wrong secrets, forged packets), of the sources they came from in the last interval
 * (`dropped_by_source`), and of whether the server kept up.
 */
export class StatsReporter {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly extra: () => Record<string, number> = () => ({}),
    private readonly interval?: IntervalStats,
  ) {}

  start(intervalSec: number): void {
    if (intervalSec <= 0) return;
    this.delay.enable();
    this.timer = setInterval(() => this.report(), intervalSec * 1000);
    this.timer.unref();
  }

  report(): void {
    this.log.info(
      {
        event: 'stats',
        counters: this.counters.snapshot(),
        ...this.extra(),
        ...this.interval?.snapshot(),
        loop_delay_p50_ms: round(this.delay.percentile(50) / 1e6),
        loop_delay_p99_ms: round(this.delay.percentile(99) / 1e6),
        loop_delay_max_ms: round(this.delay.max / 1e6),
      },
      'stats',
    );
    this.delay.reset();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.delay.disable();
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;
