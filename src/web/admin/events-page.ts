import type { HttpRoute } from '../http-route.js';
import { queryParams } from '../kit/form.js';
import { html } from '../kit/html.js';
import { type AdminContext, adminPage, requireAdmin } from './admin-context.js';
import { utc } from './format.js';

const BADGE = { accept: 'badge-ok', reject: 'badge-bad', challenge: 'badge-warn' } as const;

/** `GET /admin/events?user=&client=&correlation=`: the recent authentication events, searched in memory. */
export function eventsRoute(ctx: AdminContext): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/events',
    surface: 'admin',
    handle: (req) => {
      const s = requireAdmin(ctx, req);
      if ('status' in s) return s;
      const q = queryParams(req.query);
      const user = (q.get('user') ?? '').slice(0, 253);
      const client = (q.get('client') ?? '').slice(0, 64);
      const corr = (q.get('correlation') ?? '').slice(0, 64);
      const events = ctx.telemetry.recent({ user, client, correlationId: corr, limit: 200 });
      const clients = ctx.app.config().clients.map((c) => c.name);
      const searched = user !== '' || client !== '' || corr !== '';
      const body = html`<h1>Authentication events</h1>
<form class="card" method="get" action="/admin/events" role="search">
<div class="grid">
<div class="row"><label for="user">User</label><input type="search" id="user" name="user" value="${user}" placeholder="part of the name" autocapitalize="none" spellcheck="false"></div>
<div class="row"><label for="client">Client</label><select id="client" name="client"><option value="">all clients</option>${clients.map((c) => html`<option value="${c}"${c === client ? html` selected` : ''}>${c}</option>`)}</select></div>
<div class="row"><label for="correlation">Correlation id</label><input type="search" id="correlation" name="correlation" value="${corr}" placeholder="from the audit log" class="mono" autocapitalize="none" spellcheck="false"></div>
</div>
<div class="actions"><button class="btn btn-primary" type="submit">Search</button>${searched ? html`<a class="btn" href="/admin/events">Clear</a>` : ''}</div>
<p class="hint">The last ${ctx.telemetry.recentEvents} events since start are kept in memory, newest first; the audit log has them all.</p>
</form>
<section class="card"><h2>${events.length} event(s)${searched ? ' found' : ''}</h2><div class="table-scroll"><table class="data"><thead><tr><th>Time (UTC)</th><th>Result</th><th>Reason</th><th>User</th><th>Client</th><th>Correlation id</th><th class="num">ms</th><th>From</th></tr></thead><tbody>
${events.map(
  (e) =>
    html`<tr><td>${utc(e.at).replace(' UTC', '')}</td><td><span class="badge ${BADGE[e.result]}">${e.result}</span></td><td>${e.reason}</td><td>${e.user ?? ''}${e.identity !== undefined && e.identity !== e.user ? html` <span class="muted">(${e.identity})</span>` : ''}</td><td>${e.client}</td><td class="mono">${e.correlationId}</td><td class="num">${e.latencyMs}</td><td class="mono">${e.src}</td></tr>`,
)}
${events.length === 0 ? html`<tr><td colspan="8" class="muted">${searched ? 'no event matches' : 'no event since start'}</td></tr>` : ''}
</tbody></table></div></section>`;
      return adminPage({ title: 'Events', active: '/admin/events', signedIn: true, csrf: s.csrf, body });
    },
  };
}
