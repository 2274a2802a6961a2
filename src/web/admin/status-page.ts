import type { HttpRoute } from '../http-route.js';
import { html, type SafeHtml } from '../kit/html.js';
import { type AdminContext, adminPage, requireAdmin } from './admin-context.js';
import { bytes, duration, pct, utc } from './format.js';

const unknown = html`<span class="muted">unknown</span>`;

function row(label: string, value: SafeHtml | string): SafeHtml {
  return html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`;
}

/** `GET /admin/`: version, uptime, listeners, config and its last reload, host health (cached). */
export function statusRoute(ctx: AdminContext): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/',
    surface: 'admin',
    handle: (req) => {
      const s = requireAdmin(ctx, req);
      if ('status' in s) return s;
      const { app } = ctx;
      const now = ctx.clock.now();
      const h = ctx.host.current();
      const reload = app.lastReload();
      const listeners = [
        ...app.radiusListeners().map((a) => ['RADIUS authentication (UDP)', a] as const),
        ...app.accountingListeners().map((a) => ['RADIUS accounting (UDP)', a] as const),
        ...app.httpListeners().map((l) => [`HTTPS, ${l.surface}`, l.address] as const),
      ];
      const memUsed =
        h.memTotal !== undefined && h.memAvailable !== undefined ? h.memTotal - h.memAvailable : undefined;
      const sync =
        h.clockSynced === undefined
          ? unknown
          : h.clockSynced
            ? html`<span class="badge badge-ok">synchronised</span>`
            : html`<span class="badge badge-bad">not synchronised</span>`;
      const body = html`<h1>Status</h1>
<div class="grid">
<section class="card"><h2>Service</h2><table class="data"><tbody>
${row('Version', app.version)}
${row('Up for', duration(now - app.startedAt))}
${row('Started', utc(app.startedAt))}
${row('Pending challenges', String(app.pendingChallenges()))}
</tbody></table></section>
<section class="card"><h2>Configuration</h2><table class="data"><tbody>
${row('File', html`<span class="mono">${app.configFile}</span>`)}
${row(
  'Last reload',
  reload === undefined
    ? html`<span class="muted">none since start</span>`
    : html`${utc(reload.at)} ${reload.ok ? html`<span class="badge badge-ok">ok</span>` : html`<span class="badge badge-bad">failed: the old config is still running</span>`}`,
)}
${row('Directory', app.config().directory.type)}
${row('Clients', String(app.config().clients.length))}
</tbody></table></section>
<section class="card"><h2>Host</h2><table class="data"><tbody>
${row('CPU', h.cpuPercent === undefined ? unknown : pct(h.cpuPercent))}
${row('Load average', h.loadAvg === undefined ? unknown : h.loadAvg.map((l) => l.toFixed(2)).join(' · '))}
${row('Memory', memUsed === undefined || h.memTotal === undefined ? unknown : `${bytes(memUsed)} of ${bytes(h.memTotal)} used`)}
${row('Disk (data_dir)', h.disk === undefined ? unknown : html`${pct(h.disk.usePercent)} of ${bytes(h.disk.size)} <span class="muted">(${h.disk.mount})</span>`)}
${row('Clock', sync)}
</tbody></table><p class="hint">Sampled ${h.at === undefined ? 'not yet' : `at ${utc(h.at)}`}, every ${ctx.settings.host_sample_sec} s.</p></section>
</div>
<section class="card"><h2>Listeners</h2><div class="table-scroll"><table class="data"><thead><tr><th>Service</th><th>Address</th></tr></thead><tbody>
${listeners.map(([what, addr]) => html`<tr><td>${what}</td><td class="mono addr">${addr}</td></tr>`)}
</tbody></table></div></section>`;
      return adminPage({ title: 'Status', active: '/admin/', signedIn: true, csrf: s.csrf, body });
    },
  };
}
