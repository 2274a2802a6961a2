import { type AccountingService, startAccounting } from './accounting/accounting-service.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { SmsReply } from './factors/sms-factor.js';
import { startSms } from './factors/sms-setup.js';
import { TotpFactor } from './factors/totp.js';
import { LockoutPolicy } from './factors/lockout.js';
import { LdapDirectory } from './directory/ldap-directory.js';
import { LocalDirectory } from './local/local-directory.js';
import { effectivePolicy } from './policy/effective-policy.js';
import { GroupPolicy } from './policy/group-policy.js';
import type { ReasonCode } from './pipeline/reasons.js';
import type { Logger } from './observability/logger.js';
import { ObservedDrops, type RadiusObserver } from './observability/radius-observer.js';
import { StatsReporter } from './observability/stats-reporter.js';
import { AccessPipeline } from './pipeline/access-pipeline.js';
import { FactorRegistry } from './pipeline/factor-registry.js';
import type { PrimaryAuthenticator } from './pipeline/types.js';
import { loadDictionaries } from './radius/dictionary.js';
import { ClientTable } from './server/client-table.js';
import { Counters } from './server/counters.js';
import { DecisionEncoder } from './server/decision-encoder.js';
import { DropLog } from './server/drop-log.js';
import { DuplicateCache } from './server/duplicate-cache.js';
import { RadiusServer, type Runtime } from './server/radius-server.js';
import { UdpListener } from './server/udp-listener.js';
import { type Clock, cryptoRng, type Rng, systemClock, systemTimers, type Timers } from './shared/clock.js';
import { MemoryAuthCache } from './state/auth-cache.js';
import { MemoryOobWaiter } from './state/oob-waiter.js';
import { ChallengeStore } from './state/challenge-store.js';
import { Store } from './store/store.js';
import { RadiusDirectory } from './upstream/radius-directory.js';
import { maskPhone } from './sms/mask.js';
import type { HttpRoute } from './web/http-route.js';
import { setupMetrics } from './web/metrics/metrics-setup.js';
import { createAdminPages } from './web/admin/admin-pages.js';
import { directoryAdmins } from './web/admin/directory-admins.js';
import { VERSION } from './web/admin/version.js';
import { type HttpRuntime, startHttp } from './web/start-http.js';
import type { PortalRuntime } from './services/portal-runtime.js';
import { buildPortal, enrolmentPort } from './web/portal/portal-app.js';

export interface AppOptions {
  readonly loaded: LoadedConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** Timers for out-of-band waits (tests drive them with ManualTimers). */
  readonly timers?: Timers;
  /** Re-reads the config for SIGHUP; throws an AppError when the file is invalid. */
  readonly reloadConfig?: () => LoadedConfig;
  /** More figures for the `stats` event (the syslog destination's sent/dropped/queued counts). */
  readonly extraStats?: () => Record<string, number>;
}

export interface RunningApp {
  readonly listeners: readonly UdpListener[];
  readonly counters: Counters;
  readonly store: Store;
  /** The accounting listener(s) and sessions, when `listen[].acct_port` is set (issue 5). */
  readonly accounting: AccountingService | undefined;
  /** The HTTPS listeners' bound addresses and public_url, when `http:` is configured. */
  readonly http: HttpRuntime | undefined;
  /** Upstream RADIUS counters and server health, when the directory is `radius` (issue 5). */
  upstream(): { counters: Record<string, number>; health: ReturnType<RadiusDirectory['health']> } | undefined;
  reload(): boolean;
  stop(): Promise<void>;
}

function createPrimary(
  config: Readonly<Config>,
  store: Store,
  deps: { readonly clock: Clock; readonly log: Logger },
): PrimaryAuthenticator {
  switch (config.directory.type) {
    case 'ldap':
      // The lockout gate runs before the bind, by the identity the directory found (the pipeline's
      // prepare step), so a spray through the gateway cannot push AD accounts into AD's lockout.
      return new LdapDirectory(config.directory, { clock: deps.clock, logger: deps.log });
    case 'radius':
      // Issue 5: NPS / FreeRADIUS upstream; sockets open now, health probes run until close().
      return new RadiusDirectory(config.directory, { clock: deps.clock, log: deps.log });
    default:
      return new LocalDirectory(store.users);
  }
}

/** Directory-specific Reply-Messages (AD: expired or must-change password); the rest stay generic. */
function rejectMessages(cfg: Readonly<Config>): Partial<Record<ReasonCode, string>> {
  if (cfg.directory.type !== 'ldap') return {};
  const m = cfg.directory.messages;
  return {
    ...(m.password_expired ? { password_expired: m.password_expired } : {}),
    ...(m.password_must_change ? { password_must_change: m.password_must_change } : {}),
  };
}

/** The composition root: wires config, store, factors, pipeline and listeners together. */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const clock = opts.clock ?? systemClock;
  const rng = opts.rng ?? cryptoRng;
  const { log } = opts;
  let config = opts.loaded.config;
  loadDictionaries();

  // The server's writes are login-rate bookkeeping: no fsync per login on the event loop (database.ts).
  const store = Store.open(config.data_dir, { synchronous: 'NORMAL' });
  const counters = new Counters();
  const challenges = new ChallengeStore(clock, rng);
  const duplicates = new DuplicateCache(clock, config.radius.duplicate_window_sec * 1000);
  // The web side (issue 11): each part adds its HTTPS routes (portal, admin pages, /metrics) and the
  // RADIUS observers that feed its pages here, before the listeners start.
  const routes: HttpRoute[] = [];
  const observers: RadiusObserver[] = [];
  if (config.http && config.portal.enabled)
    routes.push(
      ...buildPortal({
        runtime: () => portalRuntime!,
        config: () => config,
        configFile: opts.loaded.file,
        store,
        clock,
        rng,
        log,
      }),
    );
  // Both listeners report drops here: rate-limited `dropped` events and per-source stats, and the
  // observers behind the status pages.
  const dropLog = new DropLog(clock, log);
  const drops = new ObservedDrops(dropLog, observers, clock);
  let primary = createPrimary(config, store, { clock, log });
  // One lockout gate for the life of the process: its in-flight counts must survive a reload, or a
  // burst straddling a SIGHUP would get a fresh allowance.
  let lockout: LockoutPolicy | undefined;
  // Remembered MFA logins for clients with auth_cache_sec; an admin's write to the store (the CLI:
  // unlock, reset, token removal) empties it.
  const authCache = new MemoryAuthCache(clock, rng, () => store.externalVersion());
  // SMS providers are built once (SMPP binds): a change to `sms:` needs a restart.
  // Replies from phones (two-way SMS), by sender: an SMPP deliver_sm or a webhook delivers here.
  const replies = new MemoryOobWaiter<SmsReply>(opts.timers ?? systemTimers);
  // /metrics, /healthz, /readyz (issue 11 item 4); the SMS metrics count the SMS log's events.
  const metrics = setupMetrics({
    clock,
    counters,
    challenges,
    oobWaits: replies,
    storeRead: () => store.externalVersion(),
    primary: () => primary,
    accounting: () => accounting,
    listeners: () => ({ bound: listeners.length, wanted: opts.loaded.config.listen.length }),
    http: config.http,
    configFile: opts.loaded.file,
  });
  observers.push(metrics.observer);
  routes.push(...metrics.routes);
  const sms = config.sms
    ? startSms(config.sms, {
        store,
        clock,
        rng,
        log: metrics.smsLog(log),
        configFile: opts.loaded.file,
        replies,
      })
    : undefined;

  // The admin pages (issue 11 item 3): status, RADIUS, events, users; their observer feeds them.
  let lastReload: { at: number; ok: boolean } | undefined;
  const adminPages = config.http
    ? createAdminPages({
        config,
        clock,
        rng,
        log,
        store,
        counters,
        directory: directoryAdmins({ config, primary: () => primary, store, clock, rng }),
        app: {
          version: VERSION,
          startedAt: clock.now(),
          configFile: opts.loaded.file,
          config: () => config,
          lastReload: () => lastReload,
          radiusListeners: () => listeners.map((l) => `${l.address}:${l.port}`),
          accountingListeners: () => accounting?.listeners.map((l) => `${l.address}:${l.port}`) ?? [],
          httpListeners: () => [
            ...(http?.addresses ?? []).map((a) => ({
              surface: config.http?.admin_listen ? 'public' : 'public + admin',
              address: `${a.address}:${a.port}`,
            })),
            ...(config.http?.admin_listen ? (http?.adminAddresses ?? []) : []).map((a) => ({
              surface: 'admin',
              address: `${a.address}:${a.port}`,
            })),
          ],
          pendingChallenges: () => challenges.size,
          upstreamHealth: () => (primary instanceof RadiusDirectory ? primary.health().auth : undefined),
          ldapHealth: () => (primary instanceof LdapDirectory ? primary.serverHealth() : undefined),
          forget: (id) => void authCache.forget(id),
        },
      })
    : undefined;
  if (adminPages) {
    routes.push(...adminPages.routes);
    observers.push(adminPages.telemetry);
  }

  const lockoutPolicy = (cfg: Readonly<Config>, previous: LockoutPolicy | undefined): LockoutPolicy =>
    new LockoutPolicy({
      repo: store.lockouts,
      clock,
      options: {
        maxFailures: cfg.lockout.max_failures,
        windowSec: cfg.lockout.window_sec,
        lockSec: cfg.lockout.lock_sec,
      },
      ...(previous ? { inFlight: previous.inFlightCounts } : {}),
      onLocked: (identityId, until) => {
        void authCache.forget(identityId);
        log.warn(
          { event: 'lockout', identity: identityId, until: new Date(until).toISOString() },
          `user ${identityId} locked out`,
        );
      },
    });

  // The portal shares the runtime's directory, lockout gate, policy and factors (issue 11).
  let portalRuntime: PortalRuntime | undefined;
  const buildRuntime = (cfg: Readonly<Config>, prim: PrimaryAuthenticator): Runtime => {
    const totp = new TotpFactor({
      tokens: store.tokens,
      clock,
      options: { digits: cfg.totp.digits, period: cfg.totp.period, window: cfg.totp.window },
    });
    lockout = lockoutPolicy(cfg, lockout);
    const policy = new GroupPolicy(effectivePolicy(cfg), { exemptUsers: cfg.mfa.exempt_users });
    portalRuntime = { primary: prim, lockout, policy, totp, sms: sms?.factor, authCache };
    const enrolment = enrolmentPort(cfg, store, clock);
    const pipeline = new AccessPipeline({
      primary: prim,
      // Offered in this order: the app's code first, an SMS when no app is enrolled.
      factors: new FactorRegistry(sms ? [totp, sms.factor] : [totp]),
      lockout,
      policy,
      ...(enrolment ? { enrolment } : {}),
      rejectMessages: rejectMessages(cfg),
      challenges,
      authCache,
      methodPrefs: { defaultFor: async (id) => store.methods.defaultFor(id) },
      options: {
        challengeTimeoutSec: cfg.mfa.challenge_timeout_sec,
        challengePrompt: cfg.mfa.challenge_prompt,
        methodKeywords: cfg.mfa.method_keywords,
        offerText: cfg.mfa.offer_text,
      },
    });
    return {
      clients: new ClientTable(cfg.clients),
      pipeline,
      encoder: new DecisionEncoder(cfg.mfa.reject_message, log),
    };
  };

  const server = new RadiusServer(buildRuntime(config, primary), {
    clock,
    rng,
    log,
    counters,
    duplicates,
    drops,
    observers,
  });
  const listeners: UdpListener[] = [];
  try {
    for (const l of config.listen) {
      listeners.push(await UdpListener.bind(l.address, l.auth_port, server.onDatagram));
    }
  } catch (e) {
    await Promise.all(listeners.map((x) => x.close()));
    await primary.close();
    await sms?.close();
    store.close();
    challenges.close();
    throw e;
  }
  let accounting: AccountingService | undefined;
  try {
    accounting = await startAccounting({ config, primary, clock, log, drops });
  } catch (e) {
    await Promise.all(listeners.map((x) => x.close()));
    await primary.close();
    await sms?.close();
    store.close();
    challenges.close();
    throw e;
  }
  // The HTTPS listener (Twilio's inbound webhook): a reply answers the login waiting on its number.
  let http: HttpRuntime | undefined;
  try {
    http = config.http
      ? await startHttp(config.http, {
          clock,
          log,
          configFile: opts.loaded.file,
          dataDir: config.data_dir,
          routes,
          onInbound: (m) => {
            log.info(
              { event: 'sms_inbound', provider: m.provider, from: maskPhone(m.from) },
              'reply SMS received',
            );
            void replies.deliver(m.from, { text: m.text, receivedAt: m.receivedAt });
          },
        })
      : undefined;
  } catch (e) {
    await Promise.all([...listeners.map((x) => x.close()), accounting?.stop()]);
    await primary.close();
    await sms?.close();
    store.close();
    challenges.close();
    throw e;
  }
  const stats = new StatsReporter(
    counters,
    log,
    () => ({
      pending_challenges: challenges.size,
      duplicate_cache: duplicates.size,
      ...(primary instanceof RadiusDirectory ? primary.counters.snapshot() : {}),
      ...(accounting
        ? { ...accounting.server.counters.snapshot(), acct_sessions: accounting.sessions.size }
        : {}),
      ...http?.counters(),
      ...opts.extraStats?.(),
    }),
    dropLog,
  );
  stats.start(config.log.stats_interval_sec);
  adminPages?.start();
  log.info(
    {
      event: 'started',
      config: opts.loaded.file,
      listen: listeners.map((l) => `${l.address}:${l.port}`),
      accounting: accounting?.listeners.map((l) => `${l.address}:${l.port}`),
      clients: config.clients.map((c) => c.name),
      directory: config.directory.type,
    },
    'mfa-radius-proxy started',
  );

  return {
    listeners,
    counters,
    store,
    accounting,
    http,
    upstream() {
      return primary instanceof RadiusDirectory
        ? { counters: primary.counters.snapshot(''), health: primary.health() }
        : undefined;
    },
    reload(): boolean {
      if (!opts.reloadConfig) return false;
      let next: LoadedConfig;
      try {
        next = opts.reloadConfig();
      } catch (e) {
        log.error(
          { event: 'reload_failed', error: (e as Error).message },
          'config reload failed; keeping the running config',
        );
        lastReload = { at: clock.now(), ok: false };
        return false;
      }
      if (
        JSON.stringify(next.config.listen) !== JSON.stringify(config.listen) ||
        next.config.data_dir !== config.data_dir ||
        JSON.stringify(next.config.sms) !== JSON.stringify(config.sms) ||
        JSON.stringify(next.config.http) !== JSON.stringify(config.http) ||
        JSON.stringify(next.config.syslog) !== JSON.stringify(config.syslog) ||
        // The portal's sessions and rate limit are built once; its enrolment window is reloaded.
        JSON.stringify({ ...next.config.portal, enrol_window_sec: 0 }) !==
          JSON.stringify({ ...config.portal, enrol_window_sec: 0 })
      ) {
        log.warn(
          { event: 'reload_restart_needed' },
          'listen addresses, data_dir, sms, http, syslog and portal (but enrol_window_sec) change only on restart; other changes applied',
        );
      }
      const old = primary;
      if (JSON.stringify(next.config.directory) !== JSON.stringify(config.directory)) {
        primary = createPrimary(next.config, store, { clock, log });
        // In-flight requests hold the old runtime; close the old directory once they are done.
        void Promise.all([server.drain(), accounting?.server.drain()])
          .then(() => old.close())
          .catch((e: unknown) =>
            log.error({ event: 'handler_error', err: e }, 'closing the replaced directory failed'),
          );
      }
      config = next.config;
      server.swapRuntime(buildRuntime(config, primary));
      // Waits started under the old config end now rather than holding the old runtime open.
      server.cancelWaits();
      accounting?.swap(config, primary);
      log.info({ event: 'reloaded', clients: config.clients.map((c) => c.name) }, 'configuration reloaded');
      lastReload = { at: clock.now(), ok: true };
      return true;
    },
    async stop(): Promise<void> {
      // Stop taking requests, answer those in flight, then close the sockets.
      for (const l of listeners) l.pause();
      await http?.close();
      server.cancelWaits();
      await Promise.all([server.drain(), accounting?.stop()]);
      await Promise.all(listeners.map((l) => l.close()));
      stats.stop();
      adminPages?.stop();
      await sms?.close();
      await primary.close();
      challenges.close();
      store.close();
      log.info({ event: 'stopped' }, 'mfa-radius-proxy stopped');
    },
  };
}
