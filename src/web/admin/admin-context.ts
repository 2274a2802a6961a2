import type { AdminConfig } from '../../config/admin-section.js';
import type { Config } from '../../config/schema.js';
import type { HostSampler } from '../../observability/host-sampler.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { Counters } from '../../server/counters.js';
import type { Clock, Rng } from '../../shared/clock.js';
import type { Store } from '../../store/store.js';
import type { HealthSnapshot } from '../../upstream/health.js';
import type { HttpAnswer, HttpRequestInfo } from '../http-route.js';
import { clearCookie, parseCookies, setCookie } from '../kit/cookies.js';
import { parseForm } from '../kit/form.js';
import { html, type SafeHtml } from '../kit/html.js';
import { page } from '../kit/layout.js';
import type { RateLimiter } from '../kit/rate-limiter.js';
import { seeOther } from '../kit/redirect.js';
import type { WebSession, WebSessions } from '../kit/web-sessions.js';
import type { AdminSignIn, SignInState } from './admin-sign-in.js';

export const ADMIN_COOKIE = '__Host-mfa-admin';

/** The audit log as the admin pages use it (pino's shape). */
export interface AdminLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the running app tells the status and RADIUS pages; read at page time, never cached here. */
export interface AppView {
  readonly version: string;
  readonly startedAt: number;
  readonly configFile: string;
  config(): Readonly<Config>;
  lastReload(): { readonly at: number; readonly ok: boolean } | undefined;
  radiusListeners(): readonly string[];
  accountingListeners(): readonly string[];
  /** `surface: address:port` of the HTTPS listeners (after they started). */
  httpListeners(): ReadonlyArray<{ readonly surface: string; readonly address: string }>;
  pendingChallenges(): number;
  upstreamHealth(): readonly HealthSnapshot[] | undefined;
  /** LDAP servers and until when each is skipped after a failure. */
  ldapHealth():
    | ReadonlyArray<{ readonly server: string; readonly downUntil: number | undefined }>
    | undefined;
  /** After an admin changed a user's methods or lock: remembered logins of that identity end. */
  forget(identityId: string): void;
}

export interface AdminContext {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: AdminLog;
  readonly store: Store;
  readonly settings: AdminConfig;
  readonly sessions: WebSessions<SignInState>;
  readonly signIn: AdminSignIn;
  readonly limiter: RateLimiter;
  readonly telemetry: Telemetry;
  readonly host: HostSampler;
  readonly counters: Counters;
  readonly app: AppView;
  readonly flashes: Flashes;
}

export type AdminSession = WebSession<SignInState> & {
  readonly data: Extract<SignInState, { stage: 'signed_in' }>;
};

export function sessionOf(ctx: AdminContext, req: HttpRequestInfo): WebSession<SignInState> | undefined {
  const raw = req.headers.cookie;
  return ctx.sessions.get(parseCookies(Array.isArray(raw) ? raw.join('; ') : raw).get(ADMIN_COOKIE));
}

export const sessionCookie = (ctx: AdminContext, id: string): string =>
  setCookie(ADMIN_COOKIE, id, { maxAgeSec: ctx.settings.session_max_sec });

export const signedOutCookie = (): string => clearCookie(ADMIN_COOKIE);

export function isSignedIn(s: WebSession<SignInState> | undefined): s is AdminSession {
  return s?.data.stage === 'signed_in';
}

/** The signed-in admin's session, or the answer that sends the browser to the sign-in page. */
export function requireAdmin(ctx: AdminContext, req: HttpRequestInfo): AdminSession | HttpAnswer {
  const s = sessionOf(ctx, req);
  if (!isSignedIn(s)) return seeOther('/admin/login');
  // `admin remove` (another process) ends the account's sessions at their next request.
  if (s.data.via === 'account' && !ctx.store.admins.exists(s.data.name)) {
    ctx.sessions.destroy(s.id);
    return seeOther('/admin/login', { 'set-cookie': signedOutCookie() });
  }
  return s;
}

/**
 * A POST's form, after the CSRF check (the synchronizer token of the session, OWASP CSRF cheat
 * sheet): without a session or with a wrong token the answer is 403 and nothing changes.
 */
export function postForm(
  ctx: AdminContext,
  req: HttpRequestInfo,
  opts: { readonly signedIn: boolean },
): { session: WebSession<SignInState>; form: Map<string, string> } | HttpAnswer {
  const session = sessionOf(ctx, req);
  const form = parseForm(req.body);
  if (!session || !ctx.sessions.checkCsrf(session, form.get('csrf'))) {
    ctx.log.warn(
      { event: 'admin_csrf_refused', path: req.path, src: req.src },
      'admin POST without a valid CSRF token refused',
    );
    return refused(
      403,
      'This form has expired or did not come from this page. Open the page again and retry.',
      opts.signedIn && isSignedIn(session),
    );
  }
  if (opts.signedIn) {
    const admin = requireAdmin(ctx, req);
    if ('status' in admin) return admin;
  }
  return { session, form };
}

export function refused(status: number, text: string, withNav: boolean): HttpAnswer {
  return adminPage({
    title: status === 429 ? 'Too many attempts' : 'Refused',
    active: '',
    signedIn: withNav,
    status,
    flash: { kind: 'error', text },
    body: html`<p><a href="/admin/">Back to the admin pages</a></p>`,
  });
}

const NAV: ReadonlyArray<readonly [string, string]> = [
  ['/admin/', 'Status'],
  ['/admin/radius', 'RADIUS'],
  ['/admin/events', 'Events'],
  ['/admin/users', 'Users'],
  ['/admin/links', 'Links'],
  ['/admin/import', 'Import'],
];

export function adminPage(o: {
  readonly title: string;
  readonly active: string;
  readonly body: SafeHtml;
  readonly signedIn: boolean;
  readonly csrf?: string;
  readonly flash?: { readonly kind: 'ok' | 'error'; readonly text: string };
  readonly status?: number;
  readonly narrow?: boolean;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}): HttpAnswer {
  const nav = o.signedIn
    ? html`${NAV.map(([href, label]) => html`<a href="${href}"${o.active === href ? html` class="active" aria-current="page"` : ''}>${label}</a>`)}${
        o.csrf
          ? html`<form class="inline" method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${o.csrf}"><button class="btn-link signout" type="submit">Sign out</button></form>`
          : ''
      }`
    : undefined;
  return page({
    title: o.title,
    area: 'Admin',
    // The admin style sheet: a <link> in the body is allowed (HTML "body-ok") and needs no layout hook.
    body: html`<link rel="stylesheet" href="/admin/assets/admin.css"><div class="admin-stack">${o.body}</div>`,
    ...(nav ? { nav } : {}),
    ...(o.flash ? { flash: o.flash } : {}),
    ...(o.status ? { status: o.status } : {}),
    ...(o.narrow ? { width: 'narrow' as const } : { width: 'wide' as const }),
    ...(o.headers ? { headers: o.headers } : {}),
  });
}

export type Flash = { readonly kind: 'ok' | 'error'; readonly text: string };

/**
 * The message shown after a POST's 303, kept by session id (never in the URL, where a crafted link
 * could put any text on an admin's page); taken once.
 */
export class Flashes {
  private readonly m = new Map<string, Flash>();
  set(sessionId: string, f: Flash): void {
    if (this.m.size >= 1000) this.m.delete(this.m.keys().next().value!);
    this.m.set(sessionId, f);
  }
  take(sessionId: string): Flash | undefined {
    const f = this.m.get(sessionId);
    this.m.delete(sessionId);
    return f;
  }
}

export function audit(
  ctx: AdminContext,
  admin: string,
  action: string,
  fields: Record<string, unknown>,
  src: string,
): void {
  ctx.log.info({ event: 'admin_action', admin, action, ...fields, src }, `admin ${admin}: ${action}`);
}
