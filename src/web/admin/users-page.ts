import { identityKey } from '../../shared/identity-key.js';
import { maskPhone } from '../../sms/mask.js';
import type { HttpRoute } from '../http-route.js';
import { queryParams } from '../kit/form.js';
import { html } from '../kit/html.js';
import { seeOther } from '../kit/redirect.js';
import { type AdminContext, adminPage, audit, postForm, requireAdmin } from './admin-context.js';
import { utc } from './format.js';

interface UserView {
  readonly id: string;
  local: boolean;
  tokens: Array<{ id: number; label: string | null; createdAt: number }>;
  phone: string | undefined;
  lockedUntil: number | undefined;
  failures: number;
}

const MAX_ROWS = 500;

/**
 * Everyone the store knows: local users, and whoever has an enrolment or a lock (with a directory
 * the users themselves live there). One row per identity, as logins key them.
 */
function collect(ctx: AdminContext): Map<string, UserView> {
  const { store } = ctx;
  const out = new Map<string, UserView>();
  const get = (id: string): UserView => {
    let u = out.get(id);
    if (!u) {
      u = { id, local: false, tokens: [], phone: undefined, lockedUntil: undefined, failures: 0 };
      out.set(id, u);
    }
    return u;
  };
  for (const u of store.users.list()) get(identityKey(u.name)).local = true;
  for (const t of store.tokens.listAll())
    get(t.identityId).tokens.push({ id: t.id, label: t.label, createdAt: t.createdAt });
  for (const p of store.phones.list()) get(p.identityId).phone = maskPhone(p.e164);
  for (const l of store.lockouts.listLocked(ctx.clock.now())) {
    const u = get(l.identityId);
    u.lockedUntil = l.until;
    u.failures = l.failures;
  }
  return out;
}

function actionForm(
  csrf: string,
  id: string,
  action: string,
  label: string,
  danger: boolean,
  extra?: [string, string],
) {
  return html`<form class="inline" method="post" action="/admin/users/action"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="identity" value="${id}"><input type="hidden" name="action" value="${action}">${extra ? html`<input type="hidden" name="${extra[0]}" value="${extra[1]}">` : ''}<button class="btn${danger ? ' btn-danger' : ''}" type="submit">${label}</button></form>`;
}

export function usersRoutes(ctx: AdminContext): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/users',
      surface: 'admin',
      handle: (req) => {
        const s = requireAdmin(ctx, req);
        if ('status' in s) return s;
        const q = (queryParams(req.query).get('q') ?? '').trim().toLowerCase().slice(0, 253);
        const all = [...collect(ctx).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
        const rows = all.filter((u) => q === '' || u.id.includes(q));
        const shown = rows.slice(0, MAX_ROWS);
        const flash = ctx.flashes.take(s.id);
        const body = html`<h1>Users</h1>
<form class="card" method="get" action="/admin/users" role="search"><div class="row"><label for="q">Find a user</label><input type="search" id="q" name="q" value="${q}" autocapitalize="none" spellcheck="false"></div><div class="actions"><button class="btn btn-primary" type="submit">Search</button>${q ? html`<a class="btn" href="/admin/users">All users</a>` : ''}</div></form>
<section class="card"><h2>${rows.length} user(s)${rows.length > shown.length ? ` (first ${shown.length} shown)` : ''}</h2><div class="table-scroll"><table class="data"><thead><tr><th>User</th><th>Methods</th><th>Lockout</th><th>Actions</th></tr></thead><tbody>
${shown.map(
  (
    u,
  ) => html`<tr id="user-${u.id}"><td><strong>${u.id}</strong>${u.local ? html` <span class="badge">local</span>` : ''}</td>
<td>${u.tokens.map((t) => html`<div>Authenticator app${t.label ? html` “${t.label}”` : ''} <span class="muted">#${t.id}, ${utc(t.createdAt)}</span> ${actionForm(s.csrf, u.id, 'remove_token', 'Remove', true, ['token', String(t.id)])}</div>`)}
${u.phone ? html`<div>SMS <span class="mono">${u.phone}</span> ${actionForm(s.csrf, u.id, 'remove_phone', 'Remove', true)}</div>` : ''}
${u.tokens.length === 0 && !u.phone ? html`<span class="muted">none enrolled</span>` : ''}</td>
<td>${u.lockedUntil !== undefined ? html`<span class="badge badge-bad">locked until ${utc(u.lockedUntil)}</span> <span class="muted">${u.failures} failures</span> ${actionForm(s.csrf, u.id, 'clear_lockout', 'Clear lockout', false)}` : html`<span class="muted">—</span>`}</td>
<td>${u.tokens.length > 0 || u.phone ? actionForm(s.csrf, u.id, 'reset', 'Reset (remove all methods)', true) : ''}</td></tr>`,
)}
${shown.length === 0 ? html`<tr><td colspan="4" class="muted">${q ? 'no user matches' : 'no user enrolled yet'}</td></tr>` : ''}
</tbody></table></div></section>`;
        return adminPage({
          title: 'Users',
          active: '/admin/users',
          signedIn: true,
          csrf: s.csrf,
          body,
          ...(flash ? { flash } : {}),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/users/action',
      surface: 'admin',
      contentType: 'application/x-www-form-urlencoded',
      handle: (req) => {
        const p = postForm(ctx, req, { signedIn: true });
        if ('status' in p) return p;
        if (p.session.data.stage !== 'signed_in') return seeOther('/admin/login');
        const admin = p.session.data.name;
        const id = identityKey(p.form.get('identity') ?? '');
        const action = p.form.get('action') ?? '';
        const { store } = ctx;
        const done = (text: string, ok = true) => {
          ctx.flashes.set(p.session.id, { kind: ok ? 'ok' : 'error', text });
          return seeOther(`/admin/users?q=${encodeURIComponent(id)}`);
        };
        if (id === '') return done('No user given.', false);
        switch (action) {
          case 'reset': {
            const tokens = store.tokens.remove(id);
            const phone = store.phones.remove(id);
            store.methods.clear(id);
            ctx.app.forget(id);
            audit(ctx, admin, 'reset', { identity: id, tokens, phone }, req.src);
            return done(`${id}: all methods removed (${tokens} app(s)${phone ? ', a phone' : ''}).`);
          }
          case 'remove_token': {
            const tokenId = Number.parseInt(p.form.get('token') ?? '', 10);
            if (!Number.isInteger(tokenId)) return done('No token given.', false);
            const n = store.tokens.remove(id, tokenId);
            if (n === 0) return done(`${id} has no token #${tokenId}.`, false);
            ctx.app.forget(id);
            audit(ctx, admin, 'remove_method', { identity: id, method: 'totp', token: tokenId }, req.src);
            return done(`${id}: authenticator app #${tokenId} removed.`);
          }
          case 'remove_phone': {
            if (!store.phones.remove(id)) return done(`${id} has no phone enrolled.`, false);
            ctx.app.forget(id);
            audit(ctx, admin, 'remove_method', { identity: id, method: 'sms' }, req.src);
            return done(`${id}: phone removed.`);
          }
          case 'clear_lockout': {
            store.lockouts.clear(id);
            audit(ctx, admin, 'lockout_clear', { identity: id }, req.src);
            return done(`${id}: lockout cleared; the next login is checked as usual.`);
          }
          default:
            return done('Unknown action.', false);
        }
      },
    },
  ];
}
