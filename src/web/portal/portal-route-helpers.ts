import type { Rng } from '../../shared/clock.js';
import type { PortalMethods } from '../../services/portal-methods.js';
import type { PortalLog } from '../../services/portal-runtime.js';
import type { PortalSignIn, SignInOutcome } from '../../services/portal-sign-in.js';
import type { HttpAnswer, HttpRequestInfo, HttpRoute } from '../http-route.js';
import { parseForm } from '../kit/form.js';
import type { RateLimiter } from '../kit/rate-limiter.js';
import { seeOther } from '../kit/redirect.js';
import { messagePage, signInPage } from './portal-pages.js';
import {
  type PortalSession,
  type PortalSessions,
  type PortalState,
  rotate,
  sessionOf,
} from './portal-session.js';
import { refusalText } from './portal-text.js';

export interface PortalRouteDeps {
  readonly signIn: PortalSignIn;
  readonly methods: PortalMethods;
  readonly sessions: PortalSessions;
  /** Per source address: sign-in, code and enrolment posts. */
  readonly limiter: RateLimiter;
  readonly rng: Rng;
  readonly log: PortalLog;
  readonly sessionMaxSec: number;
}

const FORM = 'application/x-www-form-urlencoded' as const;
export type SignedIn = PortalState & { stage: 'in' };
type Post = (
  s: PortalSession,
  form: Map<string, string>,
  req: HttpRequestInfo,
) => Promise<HttpAnswer> | HttpAnswer;

/**
 * What every portal route shares: the CSRF check (OWASP synchronizer token) and the per-address
 * rate limit of POSTs, the signed-in guard, the step up after a sign-in step (a new session id).
 */
export function routeHelpers(deps: PortalRouteDeps) {
  const { sessions, log } = deps;
  const cid = () => deps.rng.bytes(8).toString('hex');
  const toIn = (s: PortalSession, next: PortalState): void => sessions.update(s.id, next);

  const post = (path: string, fn: Post, limited = false): HttpRoute => ({
    method: 'POST',
    path,
    contentType: FORM,
    surface: 'public',
    handle: async (req) => {
      const s = sessionOf(sessions, req);
      const form = parseForm(req.body);
      if (!s || !sessions.checkCsrf(s, form.get('csrf'))) {
        log.warn(
          { event: 'portal_csrf_refused', path, src: req.src },
          'portal POST without a valid CSRF token',
        );
        return messagePage(
          'Refused',
          'This form has expired or did not come from this site. Start again.',
          403,
        );
      }
      if (limited && !deps.limiter.take(req.src)) {
        log.warn(
          { event: 'portal_rate_limited', path, src: req.src },
          'portal posts from this address rate-limited',
        );
        return messagePage(
          'Slow down',
          'Too many attempts from your network. Wait a minute and try again.',
          429,
        );
      }
      return fn(s, form, req);
    },
  });

  const get = (path: string, fn: (req: HttpRequestInfo) => Promise<HttpAnswer> | HttpAnswer): HttpRoute => ({
    method: 'GET',
    path,
    surface: 'public',
    handle: fn,
  });

  /** A signed-in session, or the answer that sends the browser to sign in. */
  const signedIn = (req: HttpRequestInfo): { s: PortalSession; st: SignedIn } | HttpAnswer => {
    const s = sessionOf(sessions, req);
    if (s?.data.stage !== 'in') return seeOther('/portal/');
    return { s, st: s.data as SignedIn };
  };

  /** What a sign-in step said, as the next page (a new session id whenever privilege rises). */
  const afterSignIn = (s: PortalSession, out: SignInOutcome): HttpAnswer => {
    if (out.kind === 'refused')
      return signInPage(
        s.csrf,
        { kind: 'error', text: refusalText(out.reason) },
        out.reason === 'user_locked_out' ? 429 : 401,
      );
    const next: PortalState =
      out.kind === 'second_factor'
        ? { stage: 'code', pending: out.pending }
        : { stage: 'in', identity: out.identity, scope: out.scope };
    const cookie = rotate(sessions, s, next, deps.sessionMaxSec);
    return seeOther(out.kind === 'second_factor' ? '/portal/' : '/portal/methods', { 'set-cookie': cookie });
  };

  const signedInPost = (
    path: string,
    fn: (s: PortalSession, st: SignedIn, form: Map<string, string>) => Promise<HttpAnswer> | HttpAnswer,
    limited = false,
  ) =>
    post(
      path,
      (s, form) => (s.data.stage === 'in' ? fn(s, s.data as SignedIn, form) : seeOther('/portal/')),
      limited,
    );

  /** Only a fully signed-in session (password + second factor) may change existing methods. */
  const fullOnly = (st: SignedIn): boolean => st.scope === 'full';

  return { cid, toIn, post, get, signedIn, afterSignIn, signedInPost, fullOnly };
}

export type RouteHelpers = ReturnType<typeof routeHelpers>;
