import { dirname, resolve } from 'node:path';
import type { AccountingService } from '../../accounting/accounting-service.js';
import { readConfigFile } from '../../config/config-file-read.js';
import { PromMetrics } from '../../observability/prom-metrics.js';
import { tapSmsLog } from '../../observability/prom-sms-tap.js';
import type { RadiusObserver } from '../../observability/radius-observer.js';
import type { PrimaryAuthenticator } from '../../pipeline/types.js';
import type { Counters } from '../../server/counters.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, ErrorCodes } from '../../shared/errors.js';
import type { SmsLog } from '../../sms/sms-sender.js';
import { RadiusDirectory } from '../../upstream/radius-directory.js';
import type { HttpConfig } from '../http-schema.js';
import type { HttpRoute } from '../http-route.js';
import { BearerToken } from './bearer-token.js';
import { probeDirectory } from './directory-probe.js';
import { metricsRoutes } from './metrics-routes.js';
import { type Probe, Readiness } from './readiness.js';

export interface MetricsDeps {
  readonly clock: Clock;
  readonly counters: Counters;
  readonly challenges: { readonly size: number };
  readonly oobWaits: { readonly size: number };
  /** A cheap read of the store (PRAGMA data_version): throws when it is closed or unusable. */
  readonly storeRead: () => unknown;
  /** The current directory (replaced on a reload that changes `directory:`). */
  readonly primary: () => PrimaryAuthenticator;
  readonly accounting: () => AccountingService | undefined;
  /** The RADIUS listeners bound so far, and how many the config asked for at start. */
  readonly listeners: () => { readonly bound: number; readonly wanted: number };
  readonly http: HttpConfig | undefined;
  readonly configFile: string;
}

export interface MetricsWiring {
  readonly observer: RadiusObserver;
  readonly routes: readonly HttpRoute[];
  /** The SMS log with the SMS metrics counted from it (what startSms gets). */
  smsLog(log: SmsLog): SmsLog;
}

/** How long a directory probe result is reused by /readyz and `mfa_radius_directory_up`. */
const DIRECTORY_CACHE_MS = 5000;

/**
 * Issue 11 item 4, put together for the composition root: the metrics, the readiness checks and
 * the three admin-surface routes, with the optional `http.metrics_token_file` read once at start.
 */
export function setupMetrics(d: MetricsDeps): MetricsWiring {
  const readiness = new Readiness(
    {
      listening: (): Probe => {
        const l = d.listeners();
        return l.bound >= l.wanted && l.wanted > 0
          ? { ok: true }
          : { ok: false, detail: `${l.bound} of ${l.wanted} listeners bound` };
      },
      store: (): Probe => {
        d.storeRead();
        return { ok: true };
      },
      directory: () => probeDirectory(d.primary()),
    },
    { clock: d.clock, cacheMs: DIRECTORY_CACHE_MS },
  );
  const metrics = new PromMetrics({
    server: () => d.counters.snapshot(),
    accounting: () => d.accounting()?.server.counters.snapshot(''),
    pendingChallenges: () => d.challenges.size,
    oobWaits: () => d.oobWaits.size,
    upstream: () => {
      const p = d.primary();
      return p instanceof RadiusDirectory
        ? { counters: p.counters.snapshot(''), health: p.health() }
        : undefined;
    },
    directory: async () => ({ type: d.primary().kind, up: (await readiness.directory()).ok }),
  });
  const tokenFile = d.http?.metrics_token_file;
  const token = tokenFile !== undefined ? new BearerToken(readToken(tokenFile, d.configFile)) : undefined;
  return {
    observer: metrics.radius,
    routes: metricsRoutes({ metrics, readiness, ...(token ? { token } : {}) }),
    smsLog: (log) => tapSmsLog(log, metrics.sms),
  };
}

function readToken(file: string, configFile: string): string {
  const token = readConfigFile(file, 'http.metrics_token_file', {
    configFile,
    baseDir: dirname(resolve(configFile)),
  }).trim();
  if (token.length < 16 || /\s/.test(token))
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `${configFile}: http.metrics_token_file: ${file} must hold one token of at least 16 characters without spaces, e.g. the output of \`openssl rand -hex 32\``,
      { key: 'http.metrics_token_file' },
    );
  return token;
}
