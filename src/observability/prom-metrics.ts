import { Counter, collectDefaultMetrics, Gauge, Histogram, type MetricType, Registry } from 'prom-client';
import {
  defineRadiusMetrics,
  defineServiceMetrics,
  type MetricKit,
  type ScrapeSources,
} from './prom-catalogue.js';
import { SmsTally } from './prom-sms-tap.js';
import { LATENCY_BUCKETS, RadiusTally, type RadiusTallyOptions, RESULTS } from './prom-tally.js';

/**
 * `/metrics` in the Prometheus text format (issue 11 item 4): the only file that imports
 * prom-client. The RADIUS path only adds to plain tallies (prom-tally.ts, prom-sms-tap.ts); every
 * metric here is filled from them, or from the app's own counters and gauges, when Prometheus
 * scrapes. So a scrape costs the RADIUS path nothing but the event-loop time of the scrape itself.
 * Every metric is named `mfa_radius_*` and listed in the README ("Metrics and health").
 */

export interface PromMetricsOptions extends RadiusTallyOptions {
  /** prom-client's process and Node.js metrics (CPU, memory, event loop, GC), prefixed. Default true. */
  readonly processMetrics?: boolean;
}

const P = 'mfa_radius_';

type RL = 'client' | 'result';
const HISTOGRAM_HELP =
  'Time from an Access-Request to its answer, by client and result (held logins included)';

/**
 * The latency histogram, read from the tallies at scrape time: prom-client's own Histogram
 * hashes its labels on every observe, which would put that work on the RADIUS path.
 */
class TallyHistogram extends Histogram<RL> {
  constructor(
    registry: Registry,
    private readonly tally: RadiusTally,
  ) {
    super({
      name: `${P}request_duration_seconds`,
      help: HISTOGRAM_HELP,
      labelNames: ['client', 'result'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    });
  }

  override async get() {
    return this.getForPromString();
  }

  async getForPromString() {
    const name = `${P}request_duration_seconds`;
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const [client, t] of this.tally.clients) {
      RESULTS.forEach((result, i) => {
        const h = t.latency[i]!;
        if (h.count === 0) return;
        let acc = 0;
        LATENCY_BUCKETS.forEach((le, b) => {
          acc += h.buckets[b]!;
          values.push({ labels: { client, result, le }, value: acc, metricName: `${name}_bucket` });
        });
        values.push({ labels: { client, result, le: '+Inf' }, value: h.count, metricName: `${name}_bucket` });
        values.push({ labels: { client, result }, value: h.sum, metricName: `${name}_sum` });
        values.push({ labels: { client, result }, value: h.count, metricName: `${name}_count` });
      });
    }
    return {
      name,
      help: HISTOGRAM_HELP,
      // prom-client's typings declare a numeric enum here; its registry prints this string.
      type: 'histogram' as unknown as MetricType,
      values,
      aggregator: 'sum' as const,
      collect: () => {},
    };
  }
}

export type { ScrapeSources } from './prom-catalogue.js';

export class PromMetrics {
  readonly registry = new Registry();
  /** The RadiusObserver to register with the server. */
  readonly radius: RadiusTally;
  /** What the SMS log tap counts into (tapSmsLog). */
  readonly sms = new SmsTally();

  constructor(sources: ScrapeSources, opts: PromMetricsOptions = {}) {
    this.radius = new RadiusTally(opts);
    const kit = registeringKit(this.registry);
    defineRadiusMetrics(kit, this.radius, sources);
    new TallyHistogram(this.registry, this.radius);
    defineServiceMetrics(kit, this.sms, sources);
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: P });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition text (as `registry.metrics()` writes it), one metric at a time with a turn of
   * the event loop in between: the whole text in one go is about 1 ms of string work (5 ms under
   * --jitless) that would hold back every RADIUS datagram arriving meanwhile.
   */
  async render(): Promise<string> {
    const parts: string[] = [];
    for (const m of this.registry.getMetricsAsArray()) {
      parts.push(await this.registry.getSingleMetricAsString(m.name));
      await new Promise<void>((r) => setImmediate(r));
    }
    return `${parts.join('\n\n')}\n`;
  }
}

/** prom-client metrics whose values are set afresh from the sources at every scrape (collect). */
function registeringKit(reg: Registry): MetricKit {
  return {
    counter(name, help, labelNames, fill) {
      new Counter({
        name: `${P}${name}`,
        help,
        labelNames,
        registers: [reg],
        collect() {
          this.reset();
          return fill((labels, n) => this.inc(labels, n));
        },
      });
    },
    gauge(name, help, labelNames, fill) {
      new Gauge({
        name: `${P}${name}`,
        help,
        labelNames,
        registers: [reg],
        collect() {
          this.reset();
          return fill((labels, n) => this.set(labels, n));
        },
      });
    },
  };
}
