import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { closedLoop, openLoop, type PacketFactory } from './loadgen.js';
import { fmt, median } from './proxy-process.js';
import { accessRequest } from './radius-packets.js';
import { cpuSeconds, makeUsers, startHome, startOurProxy } from './upstream-setup.js';

export interface MetricsBenchOptions {
  /** Interleaved reps; each has one run without and one with the scraper. */
  readonly reps: number;
  /** Seconds per run at 1,000 Access-Requests per second. */
  readonly seconds: number;
  /** Milliseconds between scrapes (Prometheus's fastest usual interval is 1 s). */
  readonly scrapeEveryMs: number;
}

interface ScrapeStats {
  scrapes: number;
  failed: number;
  ms: number[];
  bytes: number;
}

/** GET /metrics over HTTPS (the bench's self-signed certificate is not verified: loopback only). */
function scrapeOnce(port: number): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/metrics', method: 'GET', rejectUnauthorized: false, agent: false },
      (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Scrapes every `everyMs` until stopped, as Prometheus would (a new TLS connection each time). */
function startScraper(port: number, everyMs: number): { stop(): Promise<ScrapeStats> } {
  const stats: ScrapeStats = { scrapes: 0, failed: 0, ms: [], bytes: 0 };
  let running = true;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = (): void => {
    if (!running) return;
    const t0 = performance.now();
    inFlight = scrapeOnce(port)
      .then((r) => {
        stats.scrapes++;
        if (r.status !== 200) stats.failed++;
        stats.ms.push(performance.now() - t0);
        stats.bytes = r.bytes;
      })
      .catch(() => {
        stats.failed++;
      });
  };
  const timer = setInterval(tick, everyMs);
  tick();
  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await inFlight;
      return stats;
    },
  };
}

/**
 * Issue 11's benchmark: the RADIUS p99 with and without a `/metrics` scrape every second, in the
 * same run, side by side (target: no measurable change). Proxied PAP at 1,000 req/s (open loop)
 * through this proxy to a FreeRADIUS home server, exempt users (no second factor), the audit log
 * on as in production; the proxy has `http.admin_listen` and is scraped over HTTPS. Reps alternate
 * which run goes first, so drift on the shared machine falls on both sides.
 */
export async function benchMetrics(opts: MetricsBenchOptions): Promise<void> {
  process.stdout.write('\n## metrics: RADIUS p99 with and without a /metrics scrape every second\n');
  const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-metrics-'));
  const cpus = process.env.BENCH_NO_PIN ? undefined : '1';
  const homeSecret = randomBytes(12).toString('hex');
  const secret = randomBytes(12).toString('hex');
  const users = makeUsers(1000);
  const stops: Array<() => Promise<void>> = [];
  try {
    const home = await startHome(users, homeSecret, cpus);
    stops.push(() => home.fr.stop());
    const [pub, adm] = [await freeTcpPort(), await freeTcpPort()];
    const ours = await startOurProxy({
      dir,
      name: 'metrics',
      homePort: home.port,
      homeSecret,
      clientSecret: secret,
      users,
      mode: 'exempt',
      cpus,
      extra: [
        'http:',
        `  listen: [{ address: 127.0.0.1, port: ${pub} }]`,
        `  admin_listen: [{ address: 127.0.0.1, port: ${adm} }]`,
      ],
    });
    stops.push(() => ours.stop());
    const key = Buffer.from(secret);
    const makers = users.map((u) => accessRequest(key, u.name, u.password));
    const make: PacketFactory = (id, seq) => makers[seq % makers.length]!(id);
    // Untimed warm-up: the JIT, the first TLS handshake and the first scrape out of the figures.
    await closedLoop({ label: 'warm-up', port: ours.port, total: 3000, window: 64, make });
    await scrapeOnce(adm);

    const p99: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const p50: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const cpuUs: Record<'off' | 'on', number[]> = { off: [], on: [] };
    const lost: Record<'off' | 'on', number> = { off: 0, on: 0 };
    const diffs: number[] = [];
    const scrapeMs: number[] = [];
    let scrapeBytes = 0;
    let scrapesFailed = 0;
    const pid = ours.child.pid!;
    for (let rep = 0; rep < opts.reps; rep++) {
      const got: Partial<Record<'off' | 'on', number>> = {};
      for (const mode of rep % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const scraper = mode === 'on' ? startScraper(adm, opts.scrapeEveryMs) : undefined;
        const cpu0 = cpuSeconds(pid);
        const r = await openLoop({
          label: `scrape ${mode} #${rep + 1}`,
          port: ours.port,
          rate: 1000,
          seconds: opts.seconds,
          make,
        });
        const cpu = cpuSeconds(pid) - cpu0;
        const s = await scraper?.stop();
        if (s) {
          scrapeMs.push(...s.ms);
          scrapeBytes = s.bytes;
          scrapesFailed += s.failed;
        }
        p99[mode].push(r.p99ms);
        p50[mode].push(r.p50ms);
        cpuUs[mode].push((cpu * 1e6) / Math.max(1, r.received));
        lost[mode] += r.lost;
        got[mode] = r.p99ms;
        process.stdout.write(
          `  scrape ${mode.padEnd(3)} #${rep + 1}  p50 ${fmt(r.p50ms, 2)} ms  p99 ${fmt(r.p99ms, 2)} ms  max ${fmt(r.maxms, 1)} ms  lost ${r.lost}  proxy CPU ${fmt((cpu * 1e6) / Math.max(1, r.received), 1)} µs/req` +
            `${s ? `  (${s.scrapes} scrapes, median ${fmt(median(s.ms), 1)} ms)` : ''}  loadgen loop p99 ${fmt(r.loopDelayP99ms, 2)} ms\n`,
        );
      }
      diffs.push(got.on! - got.off!);
    }
    // What one scrape costs the proxy in CPU, without RADIUS load: back-to-back scrapes, each on a
    // new TLS connection (Prometheus keeps its connection open, so this is the worse case).
    const n = 50;
    const idleCpu0 = cpuSeconds(pid);
    for (let i = 0; i < n; i++) await scrapeOnce(adm);
    const perScrapeMs = ((cpuSeconds(pid) - idleCpu0) * 1000) / n;
    const sorted = [...diffs].sort((a, b) => a - b);
    process.stdout.write(
      `  without scrapes: p50 ${fmt(median(p50.off), 2)} ms  p99 ${fmt(median(p99.off), 2)} ms  CPU ${fmt(median(cpuUs.off), 1)} µs/req  lost ${lost.off}\n` +
        `  scraped every ${opts.scrapeEveryMs / 1000} s: p50 ${fmt(median(p50.on), 2)} ms  p99 ${fmt(median(p99.on), 2)} ms  CPU ${fmt(median(cpuUs.on), 1)} µs/req  lost ${lost.on}\n` +
        `  p99 (scraped − not), per rep: ${diffs.map((d) => fmt(d, 2)).join(', ')} ms; median ${fmt(median(diffs), 2)} ms, range ${fmt(sorted[0]!, 2)} … ${fmt(sorted.at(-1)!, 2)} ms\n` +
        `  a scrape: ${scrapeBytes} bytes, median ${fmt(median(scrapeMs), 1)} ms (TLS handshake included), ${scrapesFailed} failed; ` +
        `proxy CPU per scrape ${fmt(perScrapeMs, 2)} ms (${n} back to back, idle)\n` +
        '  target: no measurable change (the per-rep differences straddle 0 within the run-to-run spread)\n',
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
