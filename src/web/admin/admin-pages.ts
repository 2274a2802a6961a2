import type { Config } from '../../config/schema.js';
import { HostSampler } from '../../observability/host-sampler.js';
import { Telemetry } from '../../observability/telemetry.js';
import type { Counters } from '../../server/counters.js';
import type { Clock, Rng } from '../../shared/clock.js';
import type { Store } from '../../store/store.js';
import type { HttpRoute } from '../http-route.js';
import { RateLimiter } from '../kit/rate-limiter.js';
import { seeOther } from '../kit/redirect.js';
import { WebSessions } from '../kit/web-sessions.js';
import { type AdminLog, type AppView, Flashes } from './admin-context.js';
import { adminCssRoute } from './admin-css.js';
import { AdminLockout } from './admin-lockout.js';
import { AdminSignIn, type DirectoryAdmins, type SignInState } from './admin-sign-in.js';
import { eventsRoute } from './events-page.js';
import { importRoutes } from './import-page.js';
import { linksRoutes } from './links-page.js';
import { loginRoutes } from './login-routes.js';
import { radiusRoute } from './radius-page.js';
import { statusRoute } from './status-page.js';
import { usersRoutes } from './users-page.js';

export interface AdminPages {
  readonly routes: readonly HttpRoute[];
  /** The RADIUS observer behind the RADIUS and events pages. */
  readonly telemetry: Telemetry;
  readonly host: HostSampler;
  /** Starts the host sampler's timer (unref'd). */
  start(): void;
  stop(): void;
}

/** Sign-in and code posts per source address and minute (the kit's fixed window). */
const SIGN_IN_POSTS_PER_MINUTE = 10;

/** The admin pages (issue 11 item 3): every route on the admin surface, under /admin/. */
export function createAdminPages(deps: {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: AdminLog;
  readonly store: Store;
  readonly counters: Counters;
  readonly app: AppView;
  readonly directory?: DirectoryAdmins;
}): AdminPages {
  const { config, clock, rng } = deps;
  const settings = config.admin;
  if (settings.groups.length > 0 && config.directory.type !== 'ldap')
    deps.log.warn(
      { event: 'admin_groups_ignored', directory: config.directory.type },
      'admin.groups needs directory.type ldap: only admin accounts (admin add) can sign in',
    );
  const telemetry = new Telemetry(settings.recent_events);
  const host = new HostSampler({ dataDir: config.data_dir, clock });
  const ctx = {
    clock,
    rng,
    log: deps.log,
    store: deps.store,
    settings,
    sessions: new WebSessions<SignInState>({
      idleMs: settings.session_idle_sec * 1000,
      absoluteMs: settings.session_max_sec * 1000,
      maxSessions: 1000,
      clock,
      rng,
    }),
    signIn: new AdminSignIn({
      admins: deps.store.admins,
      lockout: new AdminLockout(clock, {
        maxFailures: settings.max_failures,
        windowSec: settings.window_sec,
        lockSec: settings.lock_sec,
      }),
      clock,
      window: config.totp.window,
      ...(deps.directory ? { directory: deps.directory } : {}),
    }),
    limiter: new RateLimiter({ limit: SIGN_IN_POSTS_PER_MINUTE, windowMs: 60_000 }, clock),
    telemetry,
    host,
    counters: deps.counters,
    app: deps.app,
    flashes: new Flashes(),
  };
  const routes: HttpRoute[] = [
    { method: 'GET', path: '/admin', surface: 'admin', handle: () => seeOther('/admin/') },
    adminCssRoute(),
    ...loginRoutes(ctx),
    statusRoute(ctx),
    radiusRoute(ctx),
    eventsRoute(ctx),
    ...usersRoutes(ctx),
    ...linksRoutes(ctx),
    ...importRoutes(ctx),
  ];
  return {
    routes,
    telemetry,
    host,
    start: () => host.start(settings.host_sample_sec),
    stop: () => host.stop(),
  };
}
