import type { HttpRoute } from '../http-route.js';
import { clearCookie } from '../kit/cookies.js';
import { queryParams } from '../kit/form.js';
import { seeOther } from '../kit/redirect.js';
import { codePage, linkPage, messagePage, signInPage } from './portal-pages.js';
import type { PortalRouteDeps, RouteHelpers } from './portal-route-helpers.js';
import {
  ensureSession,
  PORTAL_COOKIE,
  type PortalState,
  takeFlash,
  withCookie,
  withFlash,
} from './portal-session.js';
import { refusalText } from './portal-text.js';

/** Sign-in (password, then the code), sign-out and enrolment links. */
export function signInRoutes(deps: PortalRouteDeps, h: RouteHelpers): HttpRoute[] {
  const { sessions } = deps;
  const { cid, toIn, post, get, afterSignIn } = h;
  return [
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
