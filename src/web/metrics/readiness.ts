import type { Clock } from '../../shared/clock.js';

/** One check's outcome: ready, or a short reason for the 503 body (no secrets, no user data). */
export type Probe = { readonly ok: true } | { readonly ok: false; readonly detail: string };

export interface ReadinessChecks {
  /** The RADIUS listeners are bound and taking datagrams (cheap). */
  listening(): Probe;
  /** The store answers a read (cheap: a PRAGMA). */
  store(): Probe;
  /** The directory is reachable: may cost a round trip, so its result is cached. */
  directory(): Probe | Promise<Probe>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** `name: detail` per failed check, in a fixed order. */
  readonly problems: readonly string[];
}

/**
 * `/readyz` (issue 11 item 4): ready when the RADIUS listeners are up, the store is open and the
 * directory reachable. Load balancers and Prometheus may ask every second; the directory must not
 * get a probe each time, so its result is kept for `cacheMs` of the injected clock, and concurrent
 * asks share one probe in flight.
 */
export class Readiness {
  private cached: { readonly at: number; readonly probe: Probe } | undefined;
  private inFlight: Promise<Probe> | undefined;

  constructor(
    private readonly checks: ReadinessChecks,
    private readonly opts: { readonly clock: Clock; readonly cacheMs?: number },
  ) {}

  async check(): Promise<ReadinessReport> {
    const problems: string[] = [];
    const note = (name: string, p: Probe): void => {
      if (!p.ok) problems.push(`${name}: ${p.detail}`);
    };
    note(
      'radius',
      safely(() => this.checks.listening()),
    );
    note(
      'store',
      safely(() => this.checks.store()),
    );
    note('directory', await this.directory());
    return { ready: problems.length === 0, problems };
  }

  /** The directory probe, at most once per `cacheMs`. */
  async directory(): Promise<Probe> {
    const now = this.opts.clock.now();
    const c = this.cached;
    if (c && now - c.at < (this.opts.cacheMs ?? 5000) && now >= c.at) return c.probe;
    this.inFlight ??= (async () => {
      try {
        return await this.checks.directory();
      } catch (e) {
        return { ok: false as const, detail: e instanceof Error ? e.message : String(e) };
      }
    })().then((probe) => {
      this.cached = { at: this.opts.clock.now(), probe };
      this.inFlight = undefined;
      return probe;
    });
    return this.inFlight;
  }
}

/** A check that throws is a failed check, never a 500 from the probe endpoint. */
function safely(f: () => Probe): Probe {
  try {
    return f();
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}
