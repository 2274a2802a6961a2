import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { HttpRoute } from '../../../src/web/http-route.js';
import { httpSchema } from '../../../src/web/http-schema.js';
import { page } from '../../../src/web/kit/layout.js';
import { html } from '../../../src/web/kit/html.js';
import { type HttpRuntime, startHttp } from '../../../src/web/start-http.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

/**
 * Two surfaces over real TLS on loopback: with `http.admin_listen`, an admin route is served only
 * there and a public route only on `http.listen`; every answer carries the protective headers; a
 * GET page and the stylesheet are served on both.
 */
let dir: string;
let pki: TestPki;
let pub: number;
let adm: number;
let http: HttpRuntime;
const log = { debug() {}, info() {}, warn() {}, error() {} };

function get(port: number, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', ca: pki.caPem, servername: 'localhost' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const routes: HttpRoute[] = [
  {
    method: 'GET',
    path: '/portal/',
    handle: () => page({ title: 'Sign in', body: html`<p>${'<b>hello</b>'}</p>` }),
  },
  {
    method: 'GET',
    path: '/admin/',
    surface: 'admin',
    handle: () => ({ status: 200, contentType: 'text/plain', body: 'admin', headers: { 'x-test': 'yes' } }),
  },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'http-surfaces-'));
  pki = makeTestPki(dir);
  writeFileSync(join(dir, 'cert.pem'), pki.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.keyPem);
  pub = await freeTcpPort();
  adm = await freeTcpPort();
  http = await startHttp(
    httpSchema.parse({
      listen: [{ address: '127.0.0.1', port: pub }],
      admin_listen: [{ address: '127.0.0.1', port: adm }],
      cert_file: 'cert.pem',
      key_file: 'key.pem',
    }),
    {
      clock: new ManualClock(0),
      log,
      configFile: join(dir, 'config.yaml'),
      dataDir: dir,
      onInbound: () => {},
      routes,
    },
  );
});

afterAll(async () => {
  await http.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS surfaces', () => {
  it('serves public routes only on http.listen and admin routes only on http.admin_listen', async () => {
    expect(http.adminAddresses[0]?.port).toBe(adm);
    expect((await get(pub, '/portal/')).status).toBe(200);
    expect((await get(pub, '/admin/')).status).toBe(404);
    const a = await get(adm, '/admin/');
    expect([a.status, a.body, a.headers['x-test']]).toEqual([200, 'admin', 'yes']);
    expect((await get(adm, '/portal/')).status).toBe(404);
  });

  it('escapes interpolated text and sends the CSP and the other protective headers on every answer', async () => {
    const p = await get(pub, '/portal/');
    expect(p.body).toContain('&lt;b&gt;hello&lt;/b&gt;');
    expect(p.body).not.toContain('<b>hello');
    expect(p.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const r of [p, await get(pub, '/nowhere'), await get(adm, '/admin/')]) {
      expect(r.headers['content-security-policy']).toContain("default-src 'none'");
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['cache-control']).toBe('no-store');
    }
  });

  it('serves the stylesheet on both surfaces, cacheable', async () => {
    for (const port of [pub, adm]) {
      const css = await get(port, '/assets/app.css');
      expect(css.status).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(css.headers['cache-control']).toBe('public, max-age=3600');
      expect(css.body).toContain('.btn-primary');
    }
  });

  it('refuses an admin_listen that repeats a listen address and port, naming the key', () => {
    const r = httpSchema.safeParse({
      listen: [{ address: '127.0.0.1', port: 8443 }],
      admin_listen: [{ address: '127.0.0.1', port: 8443 }],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('admin_listen');
  });
});
