import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../../src/config/schema.js';
import { base32Encode } from '../../../../src/factors/totp.js';
import { Counters } from '../../../../src/server/counters.js';
import { cryptoRng, ManualClock } from '../../../../src/shared/clock.js';
import { hashPassword } from '../../../../src/store/password-hash.js';
import { Store } from '../../../../src/store/store.js';
import type { HttpAnswer, HttpRequestInfo, HttpRoute } from '../../../../src/web/http-route.js';
import { type AdminPages, createAdminPages } from '../../../../src/web/admin/admin-pages.js';
import { oathCode } from '../../../helpers/oathtool.js';
import { registerSensitive } from '../../../helpers/sensitive.js';

/** The admin routes as functions (no listener): sign-in, CSRF refusal, an action and its audit. */
const T0 = Date.UTC(2026, 11, 1, 21, 0, 0);
const SECRET = Buffer.from('admin-routes-secret-20b', 'utf8').subarray(0, 20);
const B32 = base32Encode(SECRET);
const PW = 'a long admin password';

let dir: string;
let store: Store;
let clock: ManualClock;
let pages: AdminPages;
let logs: Array<Record<string, unknown>>;

const route = (method: string, path: string): HttpRoute => {
  const r = pages.routes.find((x) => x.method === method && x.path === path);
  if (!r) throw new Error(`no route ${method} ${path}`);
  return r;
};

function req(
  method: 'GET' | 'POST',
  path: string,
  o: { cookie?: string; body?: string; query?: string } = {},
): HttpRequestInfo {
  return {
    method,
    path,
    query: o.query ?? '',
    headers: o.cookie ? { cookie: o.cookie } : {},
    body: o.body ?? '',
    src: '127.0.0.1',
  };
}

const cookieOf = (a: HttpAnswer): string => {
  const h = a.headers?.['set-cookie'];
  const v = Array.isArray(h) ? h[0] : h;
  if (typeof v !== 'string') throw new Error('no set-cookie');
  return v.split(';')[0]!;
};
const csrfOf = (a: HttpAnswer): string => /name="csrf" value="([^"]+)"/.exec(String(a.body))![1]!;
const form = (f: Record<string, string>): string => new URLSearchParams(f).toString();

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const login = await route('GET', '/admin/login').handle(req('GET', '/admin/login'));
  let cookie = cookieOf(login);
  const pw = await route('POST', '/admin/login').handle(
    req('POST', '/admin/login', { cookie, body: form({ csrf: csrfOf(login), name: 'root', password: PW }) }),
  );
  expect(pw.status).toBe(303);
  cookie = cookieOf(pw);
  const codePage = await route('GET', '/admin/login').handle(req('GET', '/admin/login', { cookie }));
  expect(String(codePage.body)).toContain('name="code"');
  const done = await route('POST', '/admin/login/code').handle(
    req('POST', '/admin/login/code', {
      cookie,
      body: form({ csrf: csrfOf(codePage), code: oathCode(B32, clock.now()) }),
    }),
  );
  expect(done.status).toBe(303);
  expect(done.headers?.location).toBe('/admin/');
  cookie = cookieOf(done);
  const status = await route('GET', '/admin/').handle(req('GET', '/admin/', { cookie }));
  return { cookie, csrf: csrfOf(status) };
}

beforeEach(async () => {
  registerSensitive(PW, B32);
  dir = mkdtempSync(join(tmpdir(), 'admin-routes-'));
  clock = new ManualClock(T0);
  store = Store.open(dir, { clock });
  store.admins.add('root', await hashPassword(Buffer.from(PW), { N: 1024 }), SECRET);
  logs = [];
  const log = {
    info: (o: object) => logs.push(o as Record<string, unknown>),
    warn: (o: object) => logs.push(o as Record<string, unknown>),
  };
  const config = configSchema.parse({
    data_dir: dir,
    clients: [{ name: 'vpn', address: '127.0.0.1', secret: 'secret-secret' }],
    http: { listen: [{ address: '127.0.0.1' }], public_url: 'https://mfa.example.com' },
  });
  pages = createAdminPages({
    config,
    clock,
    rng: cryptoRng,
    log,
    store,
    counters: new Counters(),
    app: {
      version: '0.0.0-test',
      startedAt: T0,
      configFile: '/etc/mfa/config.yaml',
      config: () => config,
      lastReload: () => undefined,
      radiusListeners: () => ['127.0.0.1:1812'],
      accountingListeners: () => [],
      httpListeners: () => [],
      pendingChallenges: () => 0,
      upstreamHealth: () => undefined,
      ldapHealth: () => undefined,
      forget: () => {},
    },
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('admin routes', () => {
  it('pages need a signed-in session: without one they send the browser to the sign-in page', async () => {
    for (const p of ['/admin/', '/admin/radius', '/admin/events', '/admin/users']) {
      const a = await route('GET', p).handle(req('GET', p));
      expect(a.status, p).toBe(303);
      expect(a.headers?.location).toBe('/admin/login');
    }
  });

  it('sign-in by password then TOTP rotates the session id at each step; the audit names the admin, never a secret', async () => {
    const { cookie } = await signIn();
    const status = await route('GET', '/admin/').handle(req('GET', '/admin/', { cookie }));
    expect(status.status).toBe(200);
    expect(String(status.body)).toContain('0.0.0-test');
    expect(logs.find((l) => l.event === 'admin_action')).toMatchObject({
      admin: 'root',
      action: 'sign_in',
      src: '127.0.0.1',
    });
    expect(JSON.stringify(logs)).not.toContain(PW);
    expect(cookie).toMatch(/^__Host-mfa-admin=/);
  });

  it("a POST without the CSRF token, or with another session's, is refused (403) and changes nothing", async () => {
    store.lockouts.lock('alice', T0, T0 + 900_000, 5);
    const { cookie, csrf } = await signIn();
    const act = route('POST', '/admin/users/action');
    const none = await act.handle(
      req('POST', '/admin/users/action', {
        cookie,
        body: form({ action: 'clear_lockout', identity: 'alice' }),
      }),
    );
    expect(none.status).toBe(403);
    const wrong = await act.handle(
      req('POST', '/admin/users/action', {
        cookie,
        body: form({ csrf: `${csrf.slice(0, -2)}xx`, action: 'clear_lockout', identity: 'alice' }),
      }),
    );
    expect(wrong.status).toBe(403);
    expect(store.lockouts.getLock('alice')).toBeDefined();
    expect(logs.filter((l) => l.event === 'admin_csrf_refused')).toHaveLength(2);
    // The same form with the token works.
    const ok = await act.handle(
      req('POST', '/admin/users/action', {
        cookie,
        body: form({ csrf, action: 'clear_lockout', identity: 'alice' }),
      }),
    );
    expect(ok.status).toBe(303);
    expect(store.lockouts.getLock('alice')).toBeUndefined();
    expect(logs.find((l) => l.action === 'lockout_clear')).toMatchObject({
      admin: 'root',
      identity: 'alice',
    });
    // The sign-in form itself is CSRF-protected too.
    const login = await route('POST', '/admin/login').handle(
      req('POST', '/admin/login', { body: form({ name: 'root', password: PW }) }),
    );
    expect(login.status).toBe(403);
  });

  it('removing the admin account (admin remove) ends its session at the next request', async () => {
    const { cookie } = await signIn();
    expect((await route('GET', '/admin/users').handle(req('GET', '/admin/users', { cookie }))).status).toBe(
      200,
    );
    store.admins.remove('root');
    const after = await route('GET', '/admin/users').handle(req('GET', '/admin/users', { cookie }));
    expect(after.status).toBe(303);
    expect(after.headers?.location).toBe('/admin/login');
    expect(String(after.headers?.['set-cookie'])).toContain('Max-Age=0');
  });

  it('import: a dry run changes nothing and never echoes the secret; the confirmation imports the same file', async () => {
    const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    registerSensitive(seed);
    store.users.add('alice', await hashPassword(Buffer.from('x'), { N: 1024 }));
    const { cookie, csrf } = await signIn();
    const csv = `upn,serial number,secret key,time interval,manufacturer,model\nalice,1234567,${seed},30,Contoso,HardwareKey\n`;
    const dry = await route('POST', '/admin/import').handle(
      req('POST', '/admin/import', { cookie, body: form({ csrf, kind: 'oath-csv', csv }) }),
    );
    expect(dry.status).toBe(200);
    expect(String(dry.body)).toContain('Dry run: nothing was changed');
    expect(String(dry.body)).not.toContain(seed);
    expect(store.tokens.listFor('alice')).toHaveLength(0);
    const confirm = await route('POST', '/admin/import/confirm').handle(
      req('POST', '/admin/import/confirm', { cookie, body: form({ csrf }) }),
    );
    expect(String(confirm.body)).toContain('Imported');
    expect(String(confirm.body)).not.toContain(seed);
    expect(store.tokens.listFor('alice')).toHaveLength(1);
    expect(logs.find((l) => l.action === 'import')).toMatchObject({
      admin: 'root',
      kind: 'oath-csv',
      imported: 1,
    });
    expect(JSON.stringify(logs)).not.toContain(seed);
    // A second confirmation has nothing left to import.
    const again = await route('POST', '/admin/import/confirm').handle(
      req('POST', '/admin/import/confirm', { cookie, body: form({ csrf }) }),
    );
    expect(String(again.body)).toContain('The dry run has expired');
  });

  it('enrolment links: made for a user (the URL shown once, never logged), listed, revoked', async () => {
    store.users.add('carol', await hashPassword(Buffer.from('x'), { N: 1024 }));
    const { cookie, csrf } = await signIn();
    const act = route('POST', '/admin/links/action');
    const made = await act.handle(
      req('POST', '/admin/links/action', {
        cookie,
        body: form({ csrf, action: 'create', name: 'Carol', hours: '2' }),
      }),
    );
    expect(made.status).toBe(303);
    const page1 = String(
      (await route('GET', '/admin/links').handle(req('GET', '/admin/links', { cookie }))).body,
    );
    const url = /(https:\/\/mfa\.example\.com\/portal\/link[^\s<"]*)/.exec(page1)?.[1];
    expect(url).toBeDefined();
    registerSensitive(url);
    expect(page1).toContain('valid until 2026-12-01 23:00:00 UTC');
    expect(page1).toContain('badge-ok">active');
    // Shown once: the next view has the list, not the URL.
    const page2 = String(
      (await route('GET', '/admin/links').handle(req('GET', '/admin/links', { cookie }))).body,
    );
    expect(page2).not.toContain(url!);
    expect(logs.find((l) => l.action === 'link_made')).toMatchObject({ admin: 'root', identity: 'carol' });
    expect(JSON.stringify(logs)).not.toContain(url!.split('/').at(-1)!.slice(-20));
    const id = store.enrolLinks.list()[0]!.id;
    await act.handle(
      req('POST', '/admin/links/action', { cookie, body: form({ csrf, action: 'revoke', id: String(id) }) }),
    );
    const page3 = String(
      (await route('GET', '/admin/links').handle(req('GET', '/admin/links', { cookie }))).body,
    );
    expect(page3).toContain(`Link #${id} revoked.`);
    expect(page3).toContain('badge-bad">revoked');
    expect(logs.find((l) => l.action === 'link_revoked')).toMatchObject({ admin: 'root', link: id });
    // An unknown user gets the service's message, and no link.
    await act.handle(
      req('POST', '/admin/links/action', { cookie, body: form({ csrf, action: 'create', name: 'nobody' }) }),
    );
    const page4 = String(
      (await route('GET', '/admin/links').handle(req('GET', '/admin/links', { cookie }))).body,
    );
    expect(page4).toContain('flash-error');
    expect(store.enrolLinks.list()).toHaveLength(1);
  });

  it('sign-in posts are rate limited per source address', async () => {
    const login = await route('GET', '/admin/login').handle(req('GET', '/admin/login'));
    const cookie = cookieOf(login);
    const post = () =>
      route('POST', '/admin/login').handle(
        req('POST', '/admin/login', {
          cookie,
          body: form({ csrf: csrfOf(login), name: 'x', password: 'y' }),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post()).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    clock.advance(60_000);
    expect((await post()).status).toBe(401);
  });
});
