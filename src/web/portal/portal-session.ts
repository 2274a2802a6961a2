import type { Identity } from '../../pipeline/types.js';
import type { PhoneChallenge } from '../../services/portal-methods.js';
import type { PendingFactor, PortalScope } from '../../services/portal-sign-in.js';
import type { HttpAnswer, HttpRequestInfo } from '../http-route.js';
import { parseCookies, setCookie } from '../kit/cookies.js';
import type { WebSession, WebSessions } from '../kit/web-sessions.js';

/** The portal's own cookie: never the admin pages' (`__Host-mfa-admin`). */
export const PORTAL_COOKIE = '__Host-mfa-portal';

export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/**
 * Where a browser is in the portal. Everything lives server-side (WebSessions): the cookie is only
 * the session's random id; an SMS code's digest and a pending token's id never reach the browser.
 */
export type PortalState =
  | { readonly stage: 'anonymous'; readonly flash?: Flash }
  | { readonly stage: 'code'; readonly pending: PendingFactor; readonly flash?: Flash }
  | {
      readonly stage: 'in';
      readonly identity: Identity;
      readonly scope: PortalScope;
      /** The token being enrolled (pending until a code from it is typed). */
      readonly totpTokenId?: number;
      /** The phone being enrolled: the code sent to it. */
      readonly phone?: PhoneChallenge;
      readonly flash?: Flash;
    };

export type PortalSessions = WebSessions<PortalState>;
export type PortalSession = WebSession<PortalState>;

export function sessionOf(sessions: PortalSessions, req: HttpRequestInfo): PortalSession | undefined {
  return sessions.get(parseCookies(req.headers.cookie).get(PORTAL_COOKIE));
}

/** The session, or a new anonymous one (its cookie goes out with the answer). */
export function ensureSession(
  sessions: PortalSessions,
  req: HttpRequestInfo,
  maxAgeSec: number,
): { session: PortalSession; cookie?: string } {
  const s = sessionOf(sessions, req);
  if (s) return { session: s };
  const created = sessions.create({ stage: 'anonymous' });
  return { session: created, cookie: setCookie(PORTAL_COOKIE, created.id, { maxAgeSec }) };
}

/** A new session id for a raised privilege (code asked, signed in): no session fixation. */
export function rotate(
  sessions: PortalSessions,
  session: PortalSession,
  data: PortalState,
  maxAgeSec: number,
): string {
  const next = sessions.rotate(session.id, data);
  return setCookie(PORTAL_COOKIE, next.id, { maxAgeSec });
}

/** Reads the flash once: shown on this page, gone on the next. */
export function takeFlash(sessions: PortalSessions, session: PortalSession): Flash | undefined {
  const f = session.data.flash;
  if (f === undefined) return undefined;
  const { flash: _gone, ...rest } = session.data;
  sessions.update(session.id, rest as PortalState);
  return f;
}

export function withFlash(state: PortalState, flash: Flash): PortalState {
  return { ...state, flash };
}

export function withCookie(answer: HttpAnswer, cookie: string | undefined): HttpAnswer {
  if (cookie === undefined) return answer;
  return { ...answer, headers: { ...answer.headers, 'set-cookie': cookie } };
}
