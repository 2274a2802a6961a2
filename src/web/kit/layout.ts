import { readFileSync } from 'node:fs';
import type { HttpAnswer, HttpRoute } from '../http-route.js';
import { html, render, type SafeHtml } from './html.js';

/**
 * The page shell every portal and admin page shares: one stylesheet (a route, so the CSP needs no
 * 'unsafe-inline'), a viewport for phones, the product name, an optional navigation and a flash
 * message.
 */
export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Links for the header (the current one marked `class="active"` by the caller). */
  readonly nav?: SafeHtml;
  /** Under the product name: "Self-service" or "Admin". */
  readonly area?: string;
  readonly flash?: { readonly kind: 'ok' | 'error'; readonly text: string };
  readonly status?: number;
  /** `narrow` for sign-in and single-form pages. */
  readonly width?: 'narrow' | 'wide';
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

export function page(opts: PageOptions): HttpAnswer {
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · mfa-radius-proxy</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header class="top"><div class="wrap"><span class="brand">mfa-radius-proxy${opts.area ? html`<small>${opts.area}</small>` : ''}</span>${opts.nav ? html`<nav>${opts.nav}</nav>` : ''}</div></header>
<main class="wrap${opts.width === 'narrow' ? ' narrow' : ''}">
${opts.flash ? html`<div class="flash flash-${opts.flash.kind}" role="${opts.flash.kind === 'error' ? 'alert' : 'status'}">${opts.flash.text}</div>` : ''}
${opts.body}
</main>
</body>
</html>
`;
  return {
    status: opts.status ?? 200,
    contentType: 'text/html; charset=utf-8',
    body: render(doc),
    ...(opts.headers ? { headers: opts.headers } : {}),
  };
}

const asset = (name: string): string =>
  readFileSync(new URL(`../assets/${name}`, import.meta.url), 'utf8');

/**
 * `/assets/app.css` and `/assets/app.js` for one surface. startHttp mounts them on every listener;
 * page code does not register them.
 */
export function assetRoutes(surface: 'public' | 'admin'): HttpRoute[] {
  const css = asset('app.css');
  const js = asset('app.js');
  const cached = { 'cache-control': 'public, max-age=3600' };
  return [
    {
      method: 'GET',
      path: '/assets/app.css',
      surface,
      handle: () => ({ status: 200, contentType: 'text/css; charset=utf-8', body: css, headers: cached }),
    },
    {
      method: 'GET',
      path: '/assets/app.js',
      surface,
      handle: () => ({
        status: 200,
        contentType: 'text/javascript; charset=utf-8',
        body: js,
        headers: cached,
      }),
    },
  ];
}
