import type { HttpRoute } from '../http-route.js';
import { html, raw } from '../kit/html.js';
import { type AdminContext, adminPage, requireAdmin } from './admin-context.js';
import { utc } from './format.js';
import { barChart, lineChart, RESULT_COLORS } from './svg-chart.js';

const HOUR = 60;

/**
 * `GET /admin/radius`: the traffic at a glance. Counts are since the process started; the per-minute
 * chart covers the last 24 hours. Everything comes from the Telemetry observer and the server's
 * counters, read when the page is asked for.
 */
export function radiusRoute(ctx: AdminContext): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/radius',
    surface: 'admin',
    handle: (req) => {
      const s = requireAdmin(ctx, req);
      if ('status' in s) return s;
      const t = ctx.telemetry;
      const c = ctx.counters;
      const now = ctx.clock.now();
      const minutes = t.perMinute(now);
      const perMinuteChart = (width: number, height: number, className: string, labelsEvery: number) =>
        lineChart({
          title: 'Logins per minute, last 24 hours',
          width,
          height,
          className,
          series: (['accept', 'reject', 'challenge'] as const).map((k) => ({
            name: k,
            color: RESULT_COLORS[k],
            values: minutes.map((m) => m[k]),
          })),
          xLabels: [24, 18, 12, 6, 0]
            .filter((hAgo) => hAgo % labelsEvery === 0)
            .map((hAgo) => ({
              index: hAgo === 0 ? minutes.length - 1 : minutes.length - hAgo * HOUR,
              text: hAgo === 0 ? 'now' : `-${hAgo} h`,
            })),
        });
      // A wide drawing for desktops, a narrow one for phones (admin.css picks one): one viewBox
      // cannot keep its text readable at both widths.
      const perMinute =
        perMinuteChart(960, 260, 'chart-wide', 6) + perMinuteChart(400, 240, 'chart-narrow', 12);
      const rejects = barChart({
        title: 'Rejects by reason',
        bars: t.rejectsByReason().map(([reason, n]) => ({ label: reason, value: n })),
        color: RESULT_COLORS.reject,
        empty: 'no rejects since start',
      });
      const ps = t.latencyPercentiles([50, 90, 99]);
      const latency = barChart({
        title: 'Latency percentiles (ms)',
        bars: [
          ...ps.map((p) => ({
            label: `p${p.p}`,
            value: p.ms ?? 0,
            text: p.ms === undefined ? '-' : `≤ ${p.ms} ms`,
          })),
          { label: 'max', value: t.maxLatencyMs, text: `${Math.round(t.maxLatencyMs * 100) / 100} ms` },
        ],
        color: '#1f5fbf',
      });
      const drops = Object.entries(c.snapshot()).filter(([k, v]) => k.startsWith('dropped_') && v > 0);
      const upstream = ctx.app.upstreamHealth();
      const cfg = ctx.app.config();
      const dir = cfg.directory;
      const dirDown = t.rejectsByReason().find(([r]) => r === 'directory_unavailable')?.[1] ?? 0;
      const body = html`<h1>RADIUS</h1>
<div class="grid stats">
<section class="card"><h2>Accepted</h2><p class="big">${c.get('access_accept')}</p></section>
<section class="card"><h2>Rejected</h2><p class="big">${c.get('access_reject')}</p></section>
<section class="card"><h2>Challenged</h2><p class="big">${c.get('access_challenge')}</p></section>
<section class="card"><h2>Dropped</h2><p class="big">${drops.reduce((a, [, v]) => a + v, 0)}</p><p class="hint">${ctx.app.pendingChallenges()} challenge(s) pending</p></section>
</div>
<section class="card"><h2>Logins per minute</h2>${raw(perMinute)}<p class="hint">Last 24 hours, by result; the legend gives each total.</p></section>
<div class="grid">
<section class="card"><h2>Rejects by reason</h2>${raw(rejects)}</section>
<section class="card"><h2>Latency</h2>${raw(latency)}<p class="hint">From a histogram since start: each percentile is the upper bound of its bucket.</p></section>
</div>
<section class="card"><h2>By client</h2><div class="table-scroll"><table class="data"><thead><tr><th>Client</th><th class="num">Accept</th><th class="num">Reject</th><th class="num">Challenge</th><th>Reasons</th></tr></thead><tbody>
${t
  .byClient()
  .map(
    (r) =>
      html`<tr><td>${r.client}</td><td class="num">${r.accept}</td><td class="num">${r.reject}</td><td class="num">${r.challenge}</td><td>${[
        ...r.reasons,
      ]
        .sort((a, b) => b[1] - a[1])
        .map(([reason, n]) => html`<span class="badge">${reason} ${n}</span> `)}</td></tr>`,
  )}
${t.byClient().length === 0 ? html`<tr><td colspan="5" class="muted">no requests since start</td></tr>` : ''}
</tbody></table></div></section>
<div class="grid">
<section class="card"><h2>Drops by cause</h2><table class="data"><tbody>
${drops.map(([k, v]) => html`<tr><td>${k.slice('dropped_'.length)}</td><td class="num">${v}</td></tr>`)}
${drops.length === 0 ? html`<tr><td class="muted">no packet dropped since start</td></tr>` : ''}
</tbody></table></section>
<section class="card"><h2>Drops by source</h2><table class="data"><tbody>
${t.dropsBySource().map(([src, n]) => html`<tr><td class="mono">${src}</td><td class="num">${n}</td></tr>`)}
${t.dropsBySource().length === 0 ? html`<tr><td class="muted">none</td></tr>` : ''}
</tbody></table></section>
</div>
<section class="card"><h2>Directory: ${dir.type}</h2>
${
  upstream
    ? html`<div class="table-scroll"><table class="data"><thead><tr><th>Upstream server</th><th>Health</th><th class="num">Timeouts in a row</th><th class="num">Outstanding</th></tr></thead><tbody>
${upstream.map((u) => html`<tr><td class="mono">${u.server}</td><td>${u.alive ? html`<span class="badge badge-ok">alive</span>` : html`<span class="badge badge-bad">dead</span>`}</td><td class="num">${u.consecutive_timeouts}</td><td class="num">${u.outstanding}</td></tr>`)}
</tbody></table></div>`
    : dir.type === 'ldap'
      ? html`<div class="table-scroll"><table class="data"><thead><tr><th>LDAP server</th><th>Health</th></tr></thead><tbody>${(ctx.app.ldapHealth() ?? dir.servers.map((server) => ({ server, downUntil: undefined }))).map((l) => html`<tr><td class="mono">${l.server}</td><td>${l.downUntil === undefined ? html`<span class="badge badge-ok">in use</span>` : html`<span class="badge badge-bad">failed: skipped until ${utc(l.downUntil)}</span>`}</td></tr>`)}</tbody></table></div>
<p>${dirDown === 0 ? html`<span class="badge badge-ok">no login failed for an unreachable directory</span>` : html`<span class="badge badge-bad">${dirDown} login(s) refused: directory unreachable</span>`}</p>`
      : html`<p class="muted">The local user store (no server to watch).</p>`
}
</section>`;
      return adminPage({ title: 'RADIUS', active: '/admin/radius', signedIn: true, csrf: s.csrf, body });
    },
  };
}
