import type { Config } from '../../config/schema.js';
import { EnrolLinkService } from '../../services/enrol-link-service.js';
import { createIdentityResolver } from '../../services/identity-resolver.js';
import type { HttpRoute } from '../http-route.js';
import { html } from '../kit/html.js';
import { seeOther } from '../kit/redirect.js';
import { type AdminContext, adminPage, audit, postForm, requireAdmin } from './admin-context.js';
import { utc } from './format.js';

const BADGE = { active: 'badge-ok', used: '', expired: 'badge-warn', revoked: 'badge-bad' } as const;

/** The portal helper's service, over a resolver that lives for one request (LDAP: its own connection). */
async function withLinks<T>(
  ctx: AdminContext,
  config: Readonly<Config>,
  fn: (s: EnrolLinkService) => Promise<T> | T,
): Promise<T> {
  const resolver = createIdentityResolver(config, ctx.store);
  try {
    return await fn(
      new EnrolLinkService({
        store: ctx.store,
        resolver,
        clock: ctx.clock,
        rng: ctx.rng,
        publicUrl: config.http?.public_url,
        portalEnabled: config.portal.enabled,
        defaultTtlSec: config.portal.link_ttl_sec,
        configFile: ctx.app.configFile,
      }),
    );
  } finally {
    await resolver.close();
  }
}

/**
 * `GET /admin/links`, `POST /admin/links/action`: one-time enrolment links (issue 11 item 2) made by
 * the portal's EnrolLinkService. A new link's URL is shown once, to the admin who made it; the audit
 * log names the user and the expiry, never the URL (it carries the token).
 */
export function linksRoutes(ctx: AdminContext): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/links',
      surface: 'admin',
      handle: async (req) => {
        const s = requireAdmin(ctx, req);
        if ('status' in s) return s;
        const config = ctx.app.config();
        const links = await withLinks(ctx, config, (svc) => svc.list());
        const flash = ctx.flashes.take(s.id);
        const hours = Math.round(config.portal.link_ttl_sec / 3600);
        const body = html`<h1>Enrolment links</h1>
<form class="card" method="post" action="/admin/links/action" autocomplete="off">
<input type="hidden" name="csrf" value="${s.csrf}"><input type="hidden" name="action" value="create">
<h2>Make a link</h2>
<p class="hint">A link lets one user enrol a first method in the portal without a second factor. It works once, for the time you choose.</p>
<div class="grid">
<div class="row"><label for="name">User</label><input type="text" id="name" name="name" required autocapitalize="none" spellcheck="false"></div>
<div class="row"><label for="hours">Valid for (hours)</label><input type="number" id="hours" name="hours" min="1" max="720" value="${hours}"></div>
</div>
<div class="actions"><button class="btn btn-primary" type="submit">Make link</button></div>
</form>
<section class="card"><h2>${links.length} link(s)</h2><div class="table-scroll"><table class="data"><thead><tr><th>User</th><th>Made</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>
${links
  .slice()
  .reverse()
  .map(
    (l) =>
      html`<tr><td>${l.identityId}</td><td>${utc(l.createdAt)}</td><td>${utc(l.expiresAt)}</td><td><span class="badge ${BADGE[l.state]}">${l.state}</span></td><td>${l.state === 'active' ? html`<form class="inline" method="post" action="/admin/links/action"><input type="hidden" name="csrf" value="${s.csrf}"><input type="hidden" name="action" value="revoke"><input type="hidden" name="id" value="${String(l.id)}"><button class="btn btn-danger" type="submit">Revoke</button></form>` : ''}</td></tr>`,
  )}
${links.length === 0 ? html`<tr><td colspan="5" class="muted">no link made yet</td></tr>` : ''}
</tbody></table></div></section>`;
        return adminPage({
          title: 'Enrolment links',
          active: '/admin/links',
          signedIn: true,
          csrf: s.csrf,
          body,
          ...(flash ? { flash } : {}),
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/links/action',
      surface: 'admin',
      contentType: 'application/x-www-form-urlencoded',
      handle: async (req) => {
        const p = postForm(ctx, req, { signedIn: true });
        if ('status' in p) return p;
        if (p.session.data.stage !== 'signed_in') return seeOther('/admin/login');
        const admin = p.session.data.name;
        const config = ctx.app.config();
        const done = (kind: 'ok' | 'error', text: string) => {
          ctx.flashes.set(p.session.id, { kind, text });
          return seeOther('/admin/links');
        };
        if (p.form.get('action') === 'revoke') {
          const id = Number.parseInt(p.form.get('id') ?? '', 10);
          const r = await withLinks(ctx, config, (svc) => svc.revoke(id));
          if (!r.ok) return done('error', r.error.message);
          audit(ctx, admin, 'link_revoked', { link: id }, req.src);
          return done('ok', `Link #${id} revoked.`);
        }
        const name = (p.form.get('name') ?? '').trim();
        const hoursText = p.form.get('hours') ?? '';
        const hours = hoursText === '' ? undefined : Number(hoursText);
        if (hours !== undefined && !(Number.isFinite(hours) && hours > 0))
          return done('error', 'Valid for: a number of hours.');
        const r = await withLinks(ctx, config, (svc) =>
          svc.create(name, hours === undefined ? {} : { ttlSec: Math.round(hours * 3600) }),
        );
        if (!r.ok) return done('error', r.error.message);
        audit(
          ctx,
          admin,
          'link_made',
          { identity: r.value.identityId, expires: new Date(r.value.expiresAt).toISOString() },
          req.src,
        );
        // The URL is shown this once (the flash is taken by the next page view) and never logged.
        return done(
          'ok',
          `Link for ${r.value.identityId}, valid until ${utc(r.value.expiresAt)}: ${r.value.url}`,
        );
      },
    },
  ];
}
