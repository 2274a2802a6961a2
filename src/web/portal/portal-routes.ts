import type { Rng } from '../../shared/clock.js';
import type { PortalMethods } from '../../services/portal-methods.js';
import type { PortalLog } from '../../services/portal-runtime.js';
import type { PortalSignIn, SignInOutcome } from '../../services/portal-sign-in.js';
import type { HttpAnswer, HttpRequestInfo, HttpRoute } from '../http-route.js';
import { clearCookie } from '../kit/cookies.js';
import { parseForm, queryParams } from '../kit/form.js';
import type { RateLimiter } from '../kit/rate-limiter.js';
import { seeOther } from '../kit/redirect.js';
import { portalCssRoute } from './portal-css.js';
import {
  codePage,
  linkPage,
  messagePage,
  methodsPage,
  phonePage,
  signInPage,
  totpPage,
} from './portal-pages.js';
import {
  ensureSession,
  PORTAL_COOKIE,
  type PortalSession,
  type PortalSessions,
  type PortalState,
  rotate,
  sessionOf,
  takeFlash,
  withCookie,
  withFlash,
} from './portal-session.js';
import { refusalText } from './portal-text.js';
import { qrDataUrl } from './qr-image.js';

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
type SignedIn = PortalState & { stage: 'in' };
type Post = (
  s: PortalSession,
  form: Map<string, string>,
  req: HttpRequestInfo,
) => Promise<HttpAnswer> | HttpAnswer;

/**
 * The portal's routes (issue 11 item 2), framework-free: each gets plain request data and answers
 * plain data. Every POST checks the session's CSRF token first (OWASP synchronizer token); the
 * sign-in, code and enrolment posts are rate-limited per source address; after a POST the browser
 * is sent on with 303, so a reload never re-posts.
 */
export function portalRoutes(deps: PortalRouteDeps): HttpRoute[] {
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

  return [
    portalCssRoute(),
    get('/portal', () => seeOther('/portal/')),
    get('/portal/', (req) => {
      const { session: s, cookie } = ensureSession(sessions, req, deps.sessionMaxSec);
      if (s.data.stage === 'in') return seeOther('/portal/methods');
      const flash = takeFlash(sessions, s);
      if (s.data.stage === 'code') return withCookie(codePage(s.csrf, s.data.pending, flash), cookie);
      return withCookie(signInPage(s.csrf, flash), cookie);
    }),
    post(
      '/portal/',
      async (s, form) =>
        afterSignIn(s, await deps.signIn.signIn(form.get('user') ?? '', form.get('password') ?? '', cid())),
      true,
    ),
    post(
      '/portal/code',
      async (s, form) => {
        if (s.data.stage !== 'code') return seeOther('/portal/');
        const pending = s.data.pending;
        const out = form.has('switch')
          ? await deps.signIn.switchTo(pending, cid())
          : await deps.signIn.verify(pending, form.get('code') ?? '', cid());
        if (out.kind === 'refused') {
          // A wrong code: try again on the same pending factor; a lock: back to the start.
          const again: PortalState =
            out.reason === 'user_locked_out' ? { stage: 'anonymous' } : { stage: 'code', pending };
          toIn(s, withFlash(again, { kind: 'error', text: refusalText(out.reason) }));
          return seeOther('/portal/');
        }
        return afterSignIn(s, out);
      },
      true,
    ),
    post('/portal/sign-out', (s) => {
      sessions.destroy(s.id);
      return seeOther('/portal/', { 'set-cookie': clearCookie(PORTAL_COOKIE) });
    }),
    get('/portal/methods', async (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      const flash = takeFlash(sessions, r.s);
      return methodsPage(r.s.csrf, r.st.identity, r.st.scope, await deps.methods.list(r.st.identity), flash);
    }),
    signedInPost('/portal/totp', (s, st) => {
      const setup = deps.methods.startTotp(st.identity);
      toIn(s, { ...st, totpTokenId: setup.tokenId });
      return seeOther('/portal/totp');
    }),
    get('/portal/totp', async (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      const setup =
        r.st.totpTokenId === undefined ? undefined : deps.methods.totpSetup(r.st.identity, r.st.totpTokenId);
      if (!setup) return seeOther('/portal/methods');
      return totpPage(r.s.csrf, setup, await qrDataUrl(setup.uri), takeFlash(sessions, r.s));
    }),
    signedInPost(
      '/portal/totp/confirm',
      async (s, st, form) => {
        if (st.totpTokenId === undefined) return seeOther('/portal/methods');
        const r = await deps.methods.confirmTotp(st.identity, st.totpTokenId, form.get('code') ?? '');
        if (!r.ok) {
          const text =
            r.why === 'replayed'
              ? 'That code was used already. Wait for the next one.'
              : r.why === 'not_found'
                ? 'This enrolment is no longer open. Start again.'
                : 'That code is not right. Check the time on your phone and enter the current code.';
          toIn(s, withFlash(st, { kind: 'error', text }));
          return seeOther(r.why === 'not_found' ? '/portal/methods' : '/portal/totp');
        }
        const { totpTokenId: _done, ...rest } = st;
        // The user proved the new method: the session may manage methods from now on.
        const cookie = rotate(
          sessions,
          s,
          withFlash(
            { ...rest, scope: 'full' },
            { kind: 'ok', text: 'Your authenticator app is active. The VPN asks for its code from now on.' },
          ),
          deps.sessionMaxSec,
        );
        return seeOther('/portal/methods', { 'set-cookie': cookie });
      },
      true,
    ),
    get('/portal/phone', (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      if (queryParams(req.query).has('new') && r.st.phone) {
        const { phone: _old, ...rest } = r.st;
        toIn(r.s, rest);
        return seeOther('/portal/phone');
      }
      return phonePage(r.s.csrf, r.st.phone, takeFlash(sessions, r.s));
    }),
    signedInPost(
      '/portal/phone',
      async (s, st, form) => {
        const r = await deps.methods.startPhone(st.identity, form.get('number') ?? '', cid());
        if (!r.ok) {
          toIn(
            s,
            withFlash(st, {
              kind: 'error',
              text: r.why === 'invalid' ? `That number cannot be used: ${r.detail}` : r.detail,
            }),
          );
          return seeOther('/portal/phone');
        }
        toIn(s, { ...st, phone: r.challenge });
        return seeOther('/portal/phone');
      },
      true,
    ),
    signedInPost(
      '/portal/phone/confirm',
      async (s, st, form) => {
        if (!st.phone) return seeOther('/portal/phone');
        const r = await deps.methods.confirmPhone(st.identity, st.phone, form.get('code') ?? '');
        if (!r.ok) {
          toIn(
            s,
            withFlash(st, {
              kind: 'error',
              text:
                r.why === 'expired'
                  ? 'That code has expired: use another number or send a new code.'
                  : 'That code is not right.',
            }),
          );
          return seeOther('/portal/phone');
        }
        const { phone: _done, ...rest } = st;
        const cookie = rotate(
          sessions,
          s,
          withFlash(
            { ...rest, scope: 'full' },
            { kind: 'ok', text: 'Your phone is saved. The VPN can send codes to it from now on.' },
          ),
          deps.sessionMaxSec,
        );
        return seeOther('/portal/methods', { 'set-cookie': cookie });
      },
      true,
    ),
    signedInPost('/portal/methods/rename', (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const r = deps.methods.rename(st.identity, Number(form.get('id')), form.get('label') ?? '');
      toIn(
        s,
        withFlash(
          st,
          r.ok
            ? { kind: 'ok', text: 'Renamed.' }
            : { kind: 'error', text: "Use 1 to 40 letters, digits, spaces or . _ - ' ( )." },
        ),
      );
      return seeOther('/portal/methods');
    }),
    signedInPost('/portal/methods/remove', async (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const kind = form.get('kind');
      const r =
        kind === 'sms'
          ? await deps.methods.remove(st.identity, { kind: 'sms' })
          : await deps.methods.remove(st.identity, { kind: 'totp', tokenId: Number(form.get('id')) });
      const text = r.ok
        ? 'Removed.'
        : r.why === 'last_method'
          ? 'This is your only method, and your organisation requires a second factor: add another one first.'
          : r.why === 'not_removable'
            ? 'This number comes from the directory; ask your administrator.'
            : 'Nothing to remove.';
      toIn(s, withFlash(st, { kind: r.ok ? 'ok' : 'error', text }));
      return seeOther('/portal/methods');
    }),
    signedInPost('/portal/methods/default', async (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const r = await deps.methods.setDefault(st.identity, form.get('kind') ?? '');
      toIn(
        s,
        withFlash(
          st,
          r.ok
            ? { kind: 'ok', text: 'Default method changed.' }
            : { kind: 'error', text: 'You have no such method.' },
        ),
      );
      return seeOther('/portal/methods');
    }),
    // The link's GET only asks: mail scanners and link previews fetch links, and must not use them up.
    get('/portal/link', (req) => {
      const token = queryParams(req.query).get('t') ?? '';
      const { session: s, cookie } = ensureSession(sessions, req, deps.sessionMaxSec);
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token))
        return withCookie(messagePage('Enrolment link', refusalText('link_unknown'), 404), cookie);
      return withCookie(linkPage(s.csrf, token), cookie);
    }),
    post(
      '/portal/link',
      async (s, form) => {
        const out = await deps.signIn.redeemLink(form.get('t') ?? '', cid());
        if (out.kind === 'refused') return messagePage('Enrolment link', refusalText(out.reason), 410);
        return afterSignIn(s, out);
      },
      true,
    ),
  ];
}
