import type { OutgoingRequest } from './outgoing-request.js';
import type { Transport } from './transport.js';
import type { UpstreamCounters } from './upstream-counters.js';

/** pino-compatible subset. */
export interface UpstreamLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface HealthOptions {
  /** Consecutive timed-out requests, with no valid answer in between, that mark the server dead. */
  readonly deadAfter: number;
  readonly probeIntervalMs: number;
  /** The probe (Status-Server or an Access-Request), or undefined: revive after one interval. */
  readonly probe: OutgoingRequest | undefined;
}

export interface HealthSnapshot {
  readonly server: string;
  readonly alive: boolean;
  readonly consecutive_timeouts: number;
  readonly outstanding: number;
  /** Identifiers free over the server's sockets: 256 x sockets when idle. */
  readonly free_identifiers: number;
}

/**
 * Alive/dead state of one upstream endpoint. Any verified answer resets the timeout count (and
 * revives a dead server); `deadAfter` consecutive timeouts mark it dead, and from then on it gets
 * no requests but a probe every `probeIntervalMs` (RFC 5997 §4: Status-Server as a watchdog) until
 * one is answered.
 */
export class ServerHealth {
  private dead = false;
  private consecutive = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly opts: HealthOptions,
    private readonly counters: UpstreamCounters,
    private readonly log: UpstreamLogger | undefined,
    private readonly role: 'auth' | 'acct',
  ) {}

  get alive(): boolean {
    return !this.dead;
  }

  get label(): string {
    return this.transport.label;
  }

  onAnswer(): void {
    this.consecutive = 0;
    if (this.dead) this.markAlive('answer');
  }

  onTimeout(): void {
    this.consecutive++;
    if (!this.dead && this.consecutive >= this.opts.deadAfter) this.markDead();
  }

  snapshot(): HealthSnapshot {
    return {
      server: this.label,
      alive: !this.dead,
      consecutive_timeouts: this.consecutive,
      outstanding: this.transport.outstanding,
      free_identifiers: this.transport.freeIdentifiers,
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private markDead(): void {
    this.dead = true;
    this.counters.inc('marked_dead');
    this.log?.warn(
      { event: 'upstream_dead', server: this.label, role: this.role, timeouts: this.consecutive },
      `upstream ${this.role} server ${this.label} marked dead`,
    );
    this.schedule();
  }

  private markAlive(how: 'answer' | 'probe' | 'revive_interval'): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dead = false;
    this.consecutive = 0;
    this.counters.inc('marked_alive');
    this.log?.info(
      { event: 'upstream_alive', server: this.label, role: this.role, how },
      `upstream ${this.role} server ${this.label} is alive again`,
    );
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.probe(), this.opts.probeIntervalMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    this.timer = undefined;
    if (this.closed || !this.dead) return;
    const probe = this.opts.probe;
    if (probe === undefined) {
      this.markAlive('revive_interval');
      return;
    }
    this.counters.inc('probes_sent');
    const r = await this.transport.exchange(probe, this.transport.endpoint.timeoutMs);
    if (this.closed || !this.dead) return;
    if (r.kind === 'answer') {
      this.counters.inc('probes_answered');
      this.markAlive('probe');
    } else {
      this.schedule();
    }
  }
}
