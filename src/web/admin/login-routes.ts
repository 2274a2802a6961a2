import type { HttpAnswer, HttpRequestInfo, HttpRoute } from '../http-route.js';
import { html } from '../kit/html.js';
import { seeOther } from '../kit/redirect.js';
import type { WebSession } from '../kit/web-sessions.js';
import {
  type AdminContext,
  adminPage,
  audit,
  isSignedIn,
  postForm,
  refused,
  sessionCookie,
  sessionOf,
  signedOutCookie,
} from './admin-context.js';
import type { SignInFailure, SignInState } from './admin-sign-in.js';

const FORM = 'application/x-www-form-urlencoded' as const;
/** A name as it may appear in the audit log (what was typed, bounded; never the password). */
const logName = (s: string): string => s.trim().slice(0, 64);

const TEXT: Readonly<Record<SignInFailure, string>> = {
  bad_credentials: 'Wrong name or password.',
  bad_code: 'That code is not right (or was used already). Type the current code from your app.',
  locked: 'Too many failed attempts for this admin name: try again later.',
  expired: 'The code came too late. Sign in again.',
  wrong_stage: 'Sign in again.',
};

function passwordForm(csrf: string, name = ''): ReturnType<typeof html> {
  return html`<h1>Admin sign-in</h1>
<form class="card" method="post" action="/admin/login" autocomplete="off">
<input type="hidden" name="csrf" value="${csrf}">
<div class="row"><label for="name">Admin name</label><input type="text" id="name" name="name" value="${name}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></div>
<div class="row"><label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required></div>
<div class="actions"><button class="btn btn-primary" type="submit">Continue</button></div>
<p class="hint">Then the code from your authenticator app: the admin pages need both.</p>
</form>`;
}

function codeForm(csrf: string, name: string): ReturnType<typeof html> {
  return html`<h1>Admin sign-in</h1>
<form class="card" method="post" action="/admin/login/code" autocomplete="off">
<input type="hidden" name="csrf" value="${csrf}">
<p>Signing in as <strong>${name}</strong>.</p>
<div class="row"><label for="code">Code from your authenticator app</label><input class="code" type="text" id="code" name="code" inputmode="numeric" pattern="[0-9]*" maxlength="8" autocomplete="one-time-code" required autofocus></div>
<div class="actions"><button class="btn btn-primary" type="submit">Sign in</button></div>
</form>`;
}

function loginPage(
  ctx: AdminContext,
  s: WebSession<SignInState>,
  o: { status?: number; error?: string; name?: string; setCookie?: boolean } = {},
): HttpAnswer {
  const body = s.data.stage === 'password_ok' ? codeForm(s.csrf, s.data.name) : passwordForm(s.csrf, o.name);
  return adminPage({
    title: 'Sign in',
    active: '',
    signedIn: false,
    narrow: true,
    body,
    ...(o.status ? { status: o.status } : {}),
    ...(o.error ? { flash: { kind: 'error' as const, text: o.error } } : {}),
    ...(o.setCookie ? { headers: { 'set-cookie': sessionCookie(ctx, s.id) } } : {}),
  });
}

function limited(ctx: AdminContext, req: HttpRequestInfo, stage: string): HttpAnswer | undefined {
  if (ctx.limiter.take(req.src)) return undefined;
  ctx.log.warn(
    { event: 'admin_sign_in_failed', stage, reason: 'rate_limited', src: req.src },
    'admin sign-in refused: too many attempts from this address',
  );
  return refused(429, 'Too many sign-in attempts from your address. Wait a minute and try again.', false);
}

function failure(
  ctx: AdminContext,
  name: string,
  stage: string,
  reason: SignInFailure,
  src: string,
  lockedUntil?: number,
  lockedNow?: boolean,
): void {
  ctx.log.warn(
    { event: 'admin_sign_in_failed', admin: logName(name), stage, reason, src },
    'admin sign-in failed',
  );
  if (lockedNow && lockedUntil !== undefined)
    ctx.log.warn(
      { event: 'admin_locked_out', admin: logName(name), until: new Date(lockedUntil).toISOString(), src },
      'admin name locked after failed sign-ins',
    );
}

export function loginRoutes(ctx: AdminContext): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/login',
      surface: 'admin',
      handle: (req) => {
        const s = sessionOf(ctx, req);
        if (isSignedIn(s)) return seeOther('/admin/');
        if (s) return loginPage(ctx, s);
        return loginPage(ctx, ctx.sessions.create({ stage: 'anonymous' }), { setCookie: true });
      },
    },
    {
      method: 'POST',
      path: '/admin/login',
      surface: 'admin',
      contentType: FORM,
      handle: async (req) => {
        const rl = limited(ctx, req, 'password');
        if (rl) return rl;
        const p = postForm(ctx, req, { signedIn: false });
        if ('status' in p) return p;
        const name = p.form.get('name') ?? '';
        const r = await ctx.signIn.password(
          p.session.data,
          name,
          Buffer.from(p.form.get('password') ?? '', 'utf8'),
        );
        if (!r.ok) {
          failure(ctx, name, 'password', r.reason, req.src, r.lockedUntil, r.lockedNow);
          return loginPage(ctx, p.session, { status: 401, error: TEXT[r.reason], name: name.slice(0, 64) });
        }
        const next = ctx.sessions.rotate(p.session.id, r.state);
        return seeOther('/admin/login', { 'set-cookie': sessionCookie(ctx, next.id) });
      },
    },
    {
      method: 'POST',
      path: '/admin/login/code',
      surface: 'admin',
      contentType: FORM,
      handle: async (req) => {
        const rl = limited(ctx, req, 'code');
        if (rl) return rl;
        const p = postForm(ctx, req, { signedIn: false });
        if ('status' in p) return p;
        const state = p.session.data;
        const r = await ctx.signIn.code(state, p.form.get('code') ?? '');
        const name = state.stage === 'anonymous' ? '' : state.name;
        if (!r.ok) {
          failure(ctx, name, 'code', r.reason, req.src, r.lockedUntil, r.lockedNow);
          if (r.reason === 'bad_code')
            return loginPage(ctx, p.session, { status: 401, error: TEXT[r.reason] });
          // Locked, expired or out of order: back to the password.
          ctx.sessions.update(p.session.id, { stage: 'anonymous' });
          const fresh = ctx.sessions.get(p.session.id) ?? p.session;
          return loginPage(ctx, fresh, { status: 401, error: TEXT[r.reason] });
        }
        const next = ctx.sessions.rotate(p.session.id, r.state);
        audit(ctx, name, 'sign_in', { via: state.stage === 'password_ok' ? state.via : undefined }, req.src);
        return seeOther('/admin/', { 'set-cookie': sessionCookie(ctx, next.id) });
      },
    },
    {
      method: 'POST',
      path: '/admin/logout',
      surface: 'admin',
      contentType: FORM,
      handle: (req) => {
        const p = postForm(ctx, req, { signedIn: true });
        if ('status' in p) return p;
        ctx.sessions.destroy(p.session.id);
        if (p.session.data.stage === 'signed_in') audit(ctx, p.session.data.name, 'sign_out', {}, req.src);
        return seeOther('/admin/login', { 'set-cookie': signedOutCookie() });
      },
    },
  ];
}
