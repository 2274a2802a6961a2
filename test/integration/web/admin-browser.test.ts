import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oathCode } from '../../helpers/oathtool.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';

/**
 * The admin pages in real Chromium against the built app (`serve`), with radclient as the gateway
 * and oathtool computing every code: an admin signs in (password, then TOTP), reads the status and
 * RADIUS pages after known traffic, finds an event by its correlation id, clears a lockout made by
 * wrong logins, and the next login is accepted. A POST without the CSRF token is refused, and with
 * `http.admin_listen` the public listener does not serve the admin pages.
 */

const SHOTS = join('test-artifacts', 'screenshots', 'admin');
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

const USER_PW = 'alice-vpn-pass';
const USER_B32 = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const ADMIN_PW = 'admin password 4 tests';
const BOB_B32 = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

let proxy: ProxyHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let publicPort: number;
let adminPort: number;
let adminB32: string;
let admin: string;

async function shoot(name: string): Promise<void> {
  for (const v of VIEWPORTS) {
    await page.setViewportSize({ width: v.width, height: v.height });
    await page.screenshot({ path: join(SHOTS, `${name}-${v.name}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const login = (password: string) =>
  radclient({
    server: proxy.server,
    secret: proxy.secret,
    attrs: { 'User-Name': 'alice', 'User-Password': quote(password) },
  });

/** The `auth` audit events so far, for the user. */
const audits = () => proxy.audits().filter((e) => e.user === 'alice');

beforeAll(async () => {
  registerSensitive(USER_PW, USER_B32, ADMIN_PW, BOB_B32, 'bob-vpn-pass');
  mkdirSync(SHOTS, { recursive: true });
  publicPort = await freeTcpPort();
  adminPort = await freeTcpPort();
  proxy = await startProxy({
    configYaml: ({ port, secret, dataDir }) =>
      [
        'listen:',
        '  - address: 127.0.0.1',
        `    auth_port: ${port}`,
        `data_dir: ${dataDir}`,
        'clients:',
        '  - name: vpn',
        '    address: 127.0.0.0/8',
        `    secret: ${JSON.stringify(secret)}`,
        '    mfa_mode: auto',
        'lockout:',
        '  max_failures: 3',
        'http:',
        '  listen:',
        `    - { address: 127.0.0.1, port: ${publicPort} }`,
        `  public_url: https://127.0.0.1:${publicPort}`,
        '  admin_listen:',
        `    - { address: 127.0.0.1, port: ${adminPort} }`,
        '',
      ].join('\n'),
  });
  expect((await proxy.cli(['user', 'add', 'alice', '--password-stdin'], `${USER_PW}\n`)).code).toBe(0);
  expect((await proxy.cli(['token', 'add', 'alice', '--secret', USER_B32])).code).toBe(0);
  const added = await proxy.cli(['admin', 'add', 'root', '--password-stdin'], `${ADMIN_PW}\n`);
  expect(added.code, added.stderr).toBe(0);
  adminB32 = /secret \(base32\): ([A-Z2-7]+)/.exec(added.stdout)![1]!;
  registerSensitive(adminB32);
  expect(added.stdout).toContain('otpauth://totp/');
  admin = `https://127.0.0.1:${adminPort}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
});

describe('admin pages in Chromium', () => {
  it('an admin signs in with the password, then a TOTP code from oathtool', async () => {
    await page.goto(`${admin}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await shoot('01-sign-in');
    await page.fill('#name', 'root');
    await page.fill('#password', ADMIN_PW);
    await page.click('button[type=submit]');
    await page.waitForSelector('#code');
    await shoot('02-code');
    await page.fill('#code', oathCode(adminB32));
    await page.click('form[action="/admin/login/code"] button[type=submit]');
    await page.waitForURL(`${admin}/admin/`);
    expect(await page.textContent('h1')).toBe('Status');
    const cookies = await ctx.cookies();
    const c = cookies.find((x) => x.name === '__Host-mfa-admin');
    expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await proxy.waitFor((e) => e.event === 'admin_action' && e.action === 'sign_in' && e.admin === 'root');
  });

  it('the status and RADIUS pages show what radclient sent', async () => {
    const good = await login(`${USER_PW}${oathCode(USER_B32)}`);
    expect(good.code).toBe('Access-Accept');
    for (let i = 0; i < 2; i++) expect((await login(`wrong-${i}`)).code).toBe('Access-Reject');
    await page.goto(`${admin}/admin/`);
    const status = await page.textContent('main');
    expect(status).toContain('0.1.0');
    expect(status).toContain(`127.0.0.1:${proxy.port}`);
    expect(status).toContain(`127.0.0.1:${adminPort}`);
    expect(status).toContain(proxy.configFile);
    await shoot('03-status');

    await page.goto(`${admin}/admin/radius`);
    const big = await page.$$eval('.card .big', (els) => els.map((e) => e.textContent));
    expect(big.slice(0, 3)).toEqual(['1', '2', '0']);
    const row = await page.textContent('table.data tbody tr:has(td:text-is("vpn"))');
    expect(row).toContain('bad_password 2');
    expect(row).toContain('mfa_ok 1');
    // The charts are inline SVG drawn by the server.
    // A wide and a narrow drawing of the per-minute chart (CSS shows one), rejects, latency.
    expect(await page.locator('svg.chart').count()).toBe(4);
    expect(await page.textContent('svg.chart-wide')).toContain('accept (1)');
    expect(await page.textContent('svg.chart-wide')).toContain('reject (2)');
    await shoot('04-radius');
  });

  it('an event is found by its correlation id', async () => {
    const accepted = audits().find((e) => e.result === 'accept');
    const corr = String(accepted?.correlation_id);
    expect(corr.length).toBeGreaterThan(4);
    await page.goto(`${admin}/admin/events`);
    expect(await page.locator('table.data tbody tr').count()).toBe(3);
    await page.fill('#correlation', corr);
    await page.click('form[role=search] button[type=submit]');
    await page.waitForURL(/correlation=/);
    const rows = page.locator('table.data tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(corr);
    expect(await rows.first().textContent()).toContain('mfa_ok');
    await shoot('05-events');
  });

  it('a lockout made by wrong radclient logins is cleared in the browser, and the next login is accepted', async () => {
    // Two failures so far; max_failures 3: one more locks alice.
    expect((await login('wrong-3')).code).toBe('Access-Reject');
    // The next step's code (totp.window 1): the current step was used by the first login.
    const locked = await login(`${USER_PW}${oathCode(USER_B32, Date.now() + 30_000)}`);
    expect(locked.code).toBe('Access-Reject');
    await proxy.waitFor((e) => e.event === 'auth' && e.reason === 'user_locked_out');
    await page.goto(`${admin}/admin/users`);
    const row = page.locator('#user-alice');
    expect(await row.textContent()).toContain('locked until');
    await shoot('06-users-locked');
    await row.locator('form:has(input[value=clear_lockout]) button').click();
    await page.waitForSelector('.flash-ok');
    expect(await page.textContent('.flash-ok')).toContain('alice: lockout cleared');
    expect(await page.locator('#user-alice').textContent()).not.toContain('locked until');
    await shoot('07-users-cleared');
    await proxy.waitFor(
      (e) => e.event === 'admin_action' && e.action === 'lockout_clear' && e.identity === 'alice',
    );
    const after = await login(`${USER_PW}${oathCode(USER_B32, Date.now() + 30_000)}`);
    expect(after.code).toBe('Access-Accept');
  });

  it('an enrolment link is made for a user (shown once), listed, and revoked', async () => {
    await page.goto(`${admin}/admin/links`);
    await page.fill('#name', 'alice');
    await page.fill('#hours', '1');
    await page.click('form[action="/admin/links/action"] button[type=submit]');
    await page.waitForSelector('.flash-ok');
    const flash = (await page.textContent('.flash-ok')) ?? '';
    const url = /(https:\/\/127\.0\.0\.1:\d+\/portal\/link\S*)/.exec(flash)?.[1];
    expect(url, flash).toBeDefined();
    registerSensitive(url);
    expect(await page.textContent('table.data tbody')).toContain('active');
    await shoot('10-links-made');
    await page.click('table.data form button:text-is("Revoke")');
    await page.waitForSelector('.flash-ok');
    expect(await page.textContent('table.data tbody')).toContain('revoked');
    await shoot('11-links-revoked');
    await proxy.waitFor(
      (e) => e.event === 'admin_action' && e.action === 'link_made' && e.identity === 'alice',
    );
  });

  it('the import page: a pasted OATH CSV, a dry run, then the import', async () => {
    expect((await proxy.cli(['user', 'add', 'bob', '--password-stdin'], 'bob-vpn-pass\n')).code).toBe(0);
    await page.goto(`${admin}/admin/import`);
    await page.selectOption('#kind', 'oath-csv');
    await page.fill(
      '#csv',
      `upn,serial number,secret key,time interval,manufacturer,model\nbob,7654321,${BOB_B32},30,Contoso,HardwareKey\nnobody,1,${BOB_B32},30,Contoso,HardwareKey\n`,
    );
    await page.click('form[action="/admin/import"] button[type=submit]');
    await page.waitForSelector('text=Dry run: nothing was changed');
    expect(await page.content()).not.toContain(BOB_B32);
    await shoot('08-import-dry-run');
    await page.click('form[action="/admin/import/confirm"] button[type=submit]');
    await page.waitForSelector('h2:text-is("Imported")');
    expect(await page.textContent('table.data')).toContain('unknown_user');
    await shoot('09-import-done');
    expect((await proxy.cli(['token', 'list', 'bob', '--json'])).stdout).toContain('"label": "oath 7654321"');
    await proxy.waitFor((e) => e.event === 'admin_action' && e.action === 'import' && e.imported === 1);
  });

  it('a POST without the CSRF token is refused and changes nothing', async () => {
    const r = await ctx.request.post(`${admin}/admin/users/action`, {
      form: { action: 'reset', identity: 'alice' },
      maxRedirects: 0,
    });
    expect(r.status()).toBe(403);
    expect((await proxy.cli(['token', 'list', 'alice', '--json'])).stdout).toContain('"identity": "alice"');
    await proxy.waitFor((e) => e.event === 'admin_csrf_refused');
  });

  it('with http.admin_listen set, the public listener does not serve the admin pages', async () => {
    const pub = `https://127.0.0.1:${publicPort}`;
    for (const path of ['/admin/', '/admin/login', '/admin/users']) {
      const r = await ctx.request.get(`${pub}${path}`, { maxRedirects: 0 });
      expect(r.status(), path).toBe(404);
    }
    const posted = await ctx.request.post(`${pub}/admin/login`, { form: { name: 'root' }, maxRedirects: 0 });
    expect(posted.status()).toBe(404);
  });
});
