import type { HttpRoute } from '../http-route.js';
import { html, type SafeHtml } from '../kit/html.js';

/**
 * The portal's few styles beyond the kit's (src/web/assets/app.css): the method list, the sign-out
 * button in the header, the manual key. A route of its own, so the CSP stays `style-src 'self'`.
 */
const CSS = `
.card > :first-child { margin-top: 0; }
header.top nav form.inline { display: inline; }
header.top nav button.nav-out { font: inherit; color: #cfe0ff; background: none; border: 0; border-bottom: 2px solid transparent; padding: .15rem 0; cursor: pointer; text-decoration: none; }
header.top nav button.nav-out:hover, header.top nav button.nav-out:focus { color: #fff; border-bottom-color: #8fb8ff; }
ul.methods { list-style: none; padding: 0; margin: 0; }
ul.methods li.method { padding: .8rem 0; border-bottom: 1px solid var(--line); }
ul.methods li.method:first-child { padding-top: 0; }
ul.methods li.method:last-child { border-bottom: 0; padding-bottom: 0; }
.method-head { margin-bottom: .45rem; }
form.rename { display: inline-flex; gap: .4rem; align-items: center; }
form.rename input[type=text] { width: 13rem; padding: .45rem .6rem; }
.manual-key { font-size: 1.1rem; letter-spacing: .06em; background: var(--bg); padding: .5rem .7rem; border-radius: 8px; }
details summary { cursor: pointer; color: var(--accent); }
form.switch { margin-top: .9rem; }
@media (max-width: 520px) {
  form.rename { display: flex; width: 100%; }
  form.rename input[type=text] { flex: 1 1 auto; width: auto; min-width: 0; }
}
`;

export const PORTAL_CSS_PATH = '/portal/portal.css';

/** In the body: HTML5 allows a stylesheet link there, and page() has no slot for a second one. */
export const portalStyles: SafeHtml = html`<link rel="stylesheet" href="${PORTAL_CSS_PATH}">`;

export function portalCssRoute(): HttpRoute {
  return {
    method: 'GET',
    path: PORTAL_CSS_PATH,
    surface: 'public',
    handle: () => ({
      status: 200,
      contentType: 'text/css; charset=utf-8',
      body: CSS,
      headers: { 'cache-control': 'public, max-age=3600' },
    }),
  };
}
