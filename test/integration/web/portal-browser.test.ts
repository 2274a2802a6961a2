import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { EnrolLinkService } from '../../../src/services/enrol-link-service.js';
import { createIdentityResolver } from '../../../src/services/identity-resolver.js';
import { cryptoRng } from '../../../src/shared/clock.js';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki } from '../../helpers/test-pki.js';

/**
 * The self-service portal in real Chromium (issue 11 item 2), against the real server in this
 * process (a manual clock: TOTP steps and link expiry move by `clock.advance`, never by sleeping),
 * real TLS, radclient as the gateway, oathtool for codes, zbarimg for the QR code on the screen, and
 * an SMS API server on loopback.
 */
const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'portal-browser-twilio-token-77a1';
const PHONE = '+4915112345678';
const SHOTS = 'test-artifacts/screenshots/portal';
const PW = { erin: 'Erin-portal-pw-1', alice: 'Alice-portal-pw-2', bob: 'Bob-portal-pw-3' };
registerSensitive(TOKEN, PHONE, ...Object.values(PW));

let dir: string;
let p: InProcessProxy;
let sms: SmsApiServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-browser-'));
  mkdirSync(SHOTS, { recursive: true });
  const pki = makeTestPki(dir);
  writeFileSync(join(dir, 'cert.pem'), pki.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'twilio.token'), `${TOKEN}\n`, { mode: 0o600 });
  sms = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: TOKEN }));
  const port = await freeTcpPort();
  base = `https://127.0.0.1:${port}`;
  p = await startInProcess({
    clientYaml: ['mfa_mode: challenge'],
    extraYaml: [
      'http:',
      `  listen: [{ address: 127.0.0.1, port: ${port} }]`,
      `  cert_file: ${join(dir, 'cert.pem')}`,
      `  key_file: ${join(dir, 'key.pem')}`,
      `  public_url: ${base}`,
      'portal: { enrol_window_sec: 600, sign_in_per_minute: 200 }',
      'mfa: { unenrolled: enroll }',
      'lockout: { max_failures: 3, window_sec: 300, lock_sec: 900 }',
      'sms:',
      '  default_country: DE',
      '  budgets: { per_user: { hour: 5, day: 10 } }',
      '  providers:',
      '    - name: twilio',
      '      type: twilio',
      `      account_sid: ${SID}`,
      `      auth_token_file: ${join(dir, 'twilio.token')}`,
      '      from: "+15005550006"',
      `      base_url: https://127.0.0.1:${sms.port}`,
      `      ca_file: ${pki.caFile}`,
    ],
  });
  await p.addUser('erin', PW.erin);
  await p.addUser('alice', PW.alice, { totpBase32: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
  await p.addUser('bob', PW.bob);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await p?.stop();
  await sms?.close();
  rmSync(dir, { recursive: true, force: true });
});

const context = (): Promise<BrowserContext> =>
  browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 } });

/** Every page at a phone's and a desktop's size, as test artifacts (looked at by a person). */
async function shot(page: Page, name: string): Promise<void> {
  for (const [w, h] of [
    [390, 844],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: join(SHOTS, `${name}-${w}x${h}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 390, height: 844 });
}

const login = (user: string, password: string, state?: Buffer) =>
  radclient({
    server: p.server,
    secret: p.secret,
    timeoutSec: 10,
    attrs: {
      'User-Name': quote(user),
      'User-Password': quote(password),
      ...(state ? { State: `0x${state.toString('hex')}` } : {}),
    },
  });

async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto(`${base}/portal/`);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

const lastSmsCode = (): string => {
  const body = new URLSearchParams(sms.requests.at(-1)!.body).get('Body')!;
  const code = /\d{6}/.exec(body)![0];
  registerSensitive(code);
  return code;
};

describe('the self-service portal in Chromium', () => {
  let erinSecret = '';

  it('erin: RADIUS names the portal, the password alone enrols a first app by its QR code, then RADIUS accepts its code', async () => {
    const first = await login('erin', PW.erin);
    expect(first.code).toBe('Access-Reject');
    expect(first.attributes['Reply-Message']?.join('')).toContain(`${base}/portal/`);
    expect(p.audits().at(-1)).toMatchObject({ reason: 'enrolment_required' });

    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${base}/portal/`);
    await shot(page, '01-sign-in');
    await signIn(page, 'erin', PW.erin);
    await page.waitForURL(`${base}/portal/methods`);
    await shot(page, '02-methods-first');
    await page.click('text=Add an authenticator app');
    await page.waitForURL(`${base}/portal/totp`);
    await shot(page, '03-totp');
    // The QR code as the user's phone sees it: a screenshot, decoded by zbar.
    const png = join(dir, 'qr.png');
    await page.locator('img.qr').screenshot({ path: png });
    const uri = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8' }).trim();
    expect(uri).toMatch(/^otpauth:\/\/totp\/mfa-radius-proxy:erin\?secret=[A-Z2-7]+&/);
    erinSecret = new URL(uri).searchParams.get('secret')!;
    registerSensitive(erinSecret, uri);
    // Until a code is typed the token is pending: RADIUS still sends erin to the portal.
    expect((await login('erin', PW.erin)).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'enrolment_required' });
    await page.fill('#code', oathCode(erinSecret, p.clock.now()));
    await page.click('button:has-text("Activate")');
    await page.waitForURL(`${base}/portal/methods`);
    expect(await page.textContent('.flash-ok')).toContain('Your authenticator app is active');
    await shot(page, '04-methods-app');
    expect(await page.content()).not.toContain(erinSecret);
    // The enrolment page is gone once the token is active: the key is never shown again.
    await page.goto(`${base}/portal/totp`);
    expect(page.url()).toBe(`${base}/portal/methods`);
    expect(await page.content()).not.toContain(erinSecret);

    // The code typed in the portal is used up; the next step's code logs in over RADIUS.
    const challenge = await login('erin', PW.erin);
    expect(challenge.code).toBe('Access-Challenge');
    p.clock.advance(30_000);
    const accept = await login('erin', oathCode(erinSecret, p.clock.now()), challenge.state);
    expect(accept.code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_ok' });

    // erin enrols a phone: a code through the SMS provider, stored once it came back.
    await page.goto(`${base}/portal/phone`);
    await shot(page, '05-phone-number');
    const before = sms.requests.length;
    await page.fill('#number', '0151 12345678');
    await page.click('button:has-text("Send code")');
    await page.waitForSelector('text=Enter the code sent to');
    expect(sms.requests.length).toBe(before + 1);
    expect(new URLSearchParams(sms.requests.at(-1)!.body).get('To')).toBe(PHONE);
    expect(p.app.store.phones.get('erin')).toBeUndefined();
    await shot(page, '06-phone-code');
    await page.fill('#code', lastSmsCode());
    await page.click('button:has-text("Confirm")');
    await page.waitForURL(`${base}/portal/methods`);
    expect(p.app.store.phones.get('erin')).toBe(PHONE);
    expect(await page.content()).not.toContain(PHONE);
    // Two methods: SMS becomes the default, and the app could now be removed.
    await page.click('form[action="/portal/methods/default"] button');
    await page.waitForSelector('text=Default method changed');
    expect(p.app.store.methods.defaultFor('erin')).toBe('sms');
    await shot(page, '07-methods-two');
    await ctx.close();
  });

  it('erin signs in again: password, then the code by SMS (the default), or the app on request', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const before = sms.requests.length;
    await signIn(page, 'erin', PW.erin);
    await page.waitForSelector('text=We sent a code by text message');
    expect(sms.requests.length).toBe(before + 1);
    await shot(page, '08-code-sms');
    await page.click('text=Use my authenticator app instead');
    await page.waitForSelector('text=from your authenticator app');
    await page.fill('#code', '000000');
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('.flash-error');
    await shot(page, '09-code-wrong');
    p.clock.advance(30_000);
    await page.fill('#code', oathCode(erinSecret, p.clock.now()));
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${base}/portal/methods`);
    await ctx.close();
  });

  it('a POST without the CSRF token is refused, and no password is checked', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${base}/portal/`);
    const checks = p.logs.filter((l) => l.event === 'portal_sign_in_refused').length;
    const r = await ctx.request.post(`${base}/portal/`, { form: { user: 'erin', password: 'wrong-guess' } });
    expect(r.status()).toBe(403);
    expect(await r.text()).toContain('did not come from this site');
    expect(p.logs.filter((l) => l.event === 'portal_sign_in_refused').length).toBe(checks);
    expect(p.logs.some((l) => l.event === 'portal_csrf_refused')).toBe(true);
    await ctx.close();
  });

  it('wrong passwords in the portal lock the RADIUS login, and RADIUS failures lock the portal', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    for (let i = 0; i < 3; i++) {
      await signIn(page, 'alice', `guess-${i}`);
      await page.waitForSelector('.flash-error');
    }
    registerSensitive('guess-0', 'guess-1', 'guess-2');
    const locked = await login('alice', PW.alice);
    expect(locked.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'user_locked_out' });
    await signIn(page, 'alice', PW.alice);
    await page.waitForSelector('text=locked for a while');
    await shot(page, '10-locked');
    // An admin clears it (the CLI's store write); then three wrong RADIUS passwords lock the portal.
    p.app.store.lockouts.clear('alice');
    for (let i = 0; i < 3; i++)
      expect((await login('alice', `radius-guess-${i}`)).code).toBe('Access-Reject');
    await signIn(page, 'alice', PW.alice);
    await page.waitForSelector('text=locked for a while');
    p.app.store.lockouts.clear('alice');
    await ctx.close();
  });

  it('an enrolment link works once, and not after it expired', async () => {
    // The admin's side (CLI `enrol-link`, the admin page) makes links through this service.
    const resolver = createIdentityResolver({ directory: { type: 'local' } } as Config, p.app.store);
    const links = new EnrolLinkService({
      store: p.app.store,
      resolver,
      clock: p.clock,
      rng: cryptoRng,
      publicUrl: base,
      portalEnabled: true,
      defaultTtlSec: 3600,
      configFile: 'config.yaml',
    });
    const made = await links.create('bob', { ttlSec: 120 });
    if (!made.ok) throw made.error;
    registerSensitive(new URL(made.value.url).searchParams.get('t')!);
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(made.value.url);
    await shot(page, '11-link');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(`${base}/portal/methods`);
    expect(await page.textContent('main')).toContain('to enrol a first method');
    await ctx.close();
    // The same link in another browser: used up.
    const ctx2 = await context();
    const page2 = await ctx2.newPage();
    await page2.goto(made.value.url);
    await page2.click('button:has-text("Continue")');
    await page2.waitForSelector('text=used already');
    await shot(page2, '12-link-used');
    // A second link, opened after its lifetime: the clock moves, nobody waits.
    const late = await links.create('bob', { ttlSec: 120 });
    if (!late.ok) throw late.error;
    registerSensitive(new URL(late.value.url).searchParams.get('t')!);
    p.clock.advance(121_000);
    await page2.goto(late.value.url);
    await page2.click('button:has-text("Continue")');
    await page2.waitForSelector('text=has expired');
    await shot(page2, '13-link-expired');
    await ctx2.close();
    await resolver.close();
  });
});
