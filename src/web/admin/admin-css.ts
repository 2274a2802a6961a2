import type { HttpRoute } from '../http-route.js';

/**
 * The admin pages' own few rules on top of the kit's app.css (a route of its own: the CSP allows
 * style sheets from 'self' only, never inline styles).
 */
export const ADMIN_CSS = `/* mfa-radius-proxy admin pages: additions to /assets/app.css */
.admin-stack > * + * { margin-top: 1rem; }
.admin-stack > .grid + .card, .admin-stack > .grid + .grid, .admin-stack > .card + .grid { margin-top: 1rem; }
.admin-stack .card { margin-bottom: 0; }
.grid.stats { grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); }
.grid.stats .card h2 { font-size: .95rem; color: var(--muted); margin-bottom: .25rem; }
.grid.stats .big { margin: 0; }
.grid.stats .hint { margin: .25rem 0 0; }
header.top nav form.inline { display: inline-flex; }
header.top nav button.signout { font: inherit; color: #cfe0ff; text-decoration: none; padding: .15rem 0; border-bottom: 2px solid transparent; }
header.top nav button.signout:hover { color: #fff; border-bottom-color: #8fb8ff; }
svg.chart.chart-narrow { display: none; }
@media (max-width: 620px) {
  svg.chart.chart-wide { display: none; }
  svg.chart.chart-narrow { display: block; }
}
.grid.totals { grid-template-columns: repeat(3, 1fr); gap: .5rem; margin: .5rem 0 1rem; }
.grid.totals p { margin: 0; }
textarea { font: inherit; width: 100%; padding: .6rem .7rem; border: 1px solid #b8c1cc; border-radius: 8px; background: #fff; color: var(--fg); }
textarea.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
table.data td.addr { white-space: nowrap; word-break: normal; }
table.data td .btn { padding: .25rem .6rem; font-size: .85rem; }
table.data td > div + div { margin-top: .35rem; }
`;

export function adminCssRoute(): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/assets/admin.css',
    surface: 'admin',
    handle: () => ({
      status: 200,
      contentType: 'text/css; charset=utf-8',
      body: ADMIN_CSS,
      headers: { 'cache-control': 'public, max-age=3600' },
    }),
  };
}
