import type { Config } from '../../config/schema.js';
import type { EnrolmentPort } from '../../pipeline/ports.js';
import { EnrolLinkService } from '../../services/enrol-link-service.js';
import type { IdentityResolver } from '../../services/identity-resolver.js';
import { PhoneService } from '../../services/phone-service.js';
import { PortalMethods } from '../../services/portal-methods.js';
import type { PortalLog, PortalRuntime } from '../../services/portal-runtime.js';
import { PortalSignIn } from '../../services/portal-sign-in.js';
import type { Clock, Rng } from '../../shared/clock.js';
import { AppError, ErrorCodes } from '../../shared/errors.js';
import { identityKey } from '../../shared/identity-key.js';
import { err, ok } from '../../shared/result.js';
import type { Store } from '../../store/store.js';
import type { HttpRoute } from '../http-route.js';
import { RateLimiter } from '../kit/rate-limiter.js';
import { WebSessions } from '../kit/web-sessions.js';
import type { PortalState } from './portal-session.js';
import { portalRoutes } from './portal-routes.js';

export interface PortalAppDeps {
  /** The runtime's current directory, lockout, policy and factors (a reload swaps them). */
  readonly runtime: () => PortalRuntime;
  readonly config: () => Readonly<Config>;
  readonly configFile: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: PortalLog;
}

/** The portal's address as users are told it: `http.public_url` + `/portal/`. */
export function portalUrl(config: Readonly<Config>): string | undefined {
  const base = config.http?.public_url;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/portal/`;
}

/**
 * `unenrolled: enroll` for the pipeline: a window in the store (shared with the CLI and another
 * node on the same store) and the Reply-Message naming the portal. Undefined without a portal.
 */
export function enrolmentPort(
  config: Readonly<Config>,
  store: Store,
  clock: Clock,
): EnrolmentPort | undefined {
  const url = portalUrl(config);
  if (url === undefined || !config.portal.enabled) return undefined;
  const windowMs = config.portal.enrol_window_sec * 1000;
  return {
    replyMessage: `Set up your second factor at ${url} and log in again`,
    openWindow: async (identityId) => {
      const now = clock.now();
      // Only users with no method get here: the table stays small, ended windows go now.
      store.enrolWindows.prune(now);
      store.enrolWindows.open(identityId, now, now + windowMs);
    },
  };
}

/** Names resolved by the running directory itself (the portal never enrols a name typed by an admin). */
function runtimeResolver(config: () => Readonly<Config>, runtime: () => PortalRuntime): IdentityResolver {
  return {
    directory: config().directory.type,
    resolve: async (name) => {
      const found = await runtime().primary.lookup(name);
      return found
        ? ok({ identityId: found.id, via: 'canonical' as const })
        : err(new AppError(ErrorCodes.USER_NOT_FOUND, `no user '${name}'`, { name }));
    },
    canonical: async (name) => (await runtime().primary.lookup(name))?.id ?? identityKey(name.trim()),
    close: async () => {},
  };
}

/** The portal's services, sessions and routes, built once at start (sessions live in memory). */
export function buildPortal(deps: PortalAppDeps): HttpRoute[] {
  const cfg = deps.config();
  const resolver = runtimeResolver(deps.config, deps.runtime);
  const links = new EnrolLinkService({
    store: deps.store,
    resolver,
    clock: deps.clock,
    rng: deps.rng,
    publicUrl: cfg.http?.public_url,
    portalEnabled: cfg.portal.enabled,
    defaultTtlSec: cfg.portal.link_ttl_sec,
    configFile: deps.configFile,
  });
  const signIn = new PortalSignIn({
    runtime: deps.runtime,
    store: deps.store,
    links,
    clock: deps.clock,
    log: deps.log,
  });
  const methods = new PortalMethods({
    runtime: deps.runtime,
    config: deps.config,
    store: deps.store,
    // Reads the config at each call: a reload's sms.allowed_countries applies at once.
    phones: {
      check: (raw: string) =>
        new PhoneService({
          config: deps.config(),
          configFile: deps.configFile,
          store: deps.store,
          resolver,
        }).check(raw),
    },
    clock: deps.clock,
    rng: deps.rng,
    log: deps.log,
  });
  const sessions = new WebSessions<PortalState>({
    idleMs: cfg.portal.session_idle_sec * 1000,
    absoluteMs: cfg.portal.session_max_sec * 1000,
    clock: deps.clock,
    rng: deps.rng,
  });
  const limiter = new RateLimiter({ limit: cfg.portal.sign_in_per_minute, windowMs: 60_000 }, deps.clock);
  return portalRoutes({
    signIn,
    methods,
    sessions,
    limiter,
    rng: deps.rng,
    log: deps.log,
    sessionMaxSec: cfg.portal.session_max_sec,
  });
}
