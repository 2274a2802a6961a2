import { afterEach, describe, expect, it } from 'vitest';
import { base32Decode } from '../../../../src/factors/totp.js';
import { EnrolLinkService } from '../../../../src/services/enrol-link-service.js';
import { oathCode } from '../../../helpers/oathtool.js';
import { registerSensitive } from '../../../helpers/sensitive.js';
import { type PortalHarness, portalHarness } from './portal-harness.js';

/**
 * The portal's route handlers without a listener (issue 11 item 2): sign-in through the shared
 * lockout, the second factor, CSRF, the pending TOTP enrolment, the last-method rule, links.
 */
let h: PortalHarness;
afterEach(() => h?.close());

const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
registerSensitive(SEED, 'alice-pw', 'erin-pw');

function withTotp(p: PortalHarness, id: string, seed = SEED): void {
  const s = base32Decode(seed);
  if (!s.ok) throw new Error('seed');
  p.store.tokens.add(id, { secret: s.value, label: 'Phone' });
}

const keyFromPage = (text: string): string =>
  /class="mono manual-key">([A-Z2-7 ]+)</.exec(text)![1]!.replace(/ /g, '');

describe('portal sign-in', () => {
  it('a POST without the CSRF token (or with another session’s) is refused and checks no password', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    await h.browser.get('/portal/');
    const none = await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' }, null);
    expect(none.status).toBe(403);
    const other = h.newBrowser();
    const foreign = await other.csrf();
    const wrong = await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' }, foreign);
    expect(wrong.status).toBe(403);
    expect(h.primary.checks).toEqual([]);
    expect(h.logs.filter((l) => l.event === 'portal_csrf_refused')).toHaveLength(2);
  });

  it('wrong passwords count toward the lockout RADIUS uses; a locked user is not checked at all', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    for (let i = 0; i < 3; i++) {
      const r = await h.browser.post('/portal/', { user: 'alice', password: `nope-${i}` });
      expect(r.status).toBe(401);
      expect(r.text).toContain('The user name or password is not right.');
    }
    // The lock is the store's, as the RADIUS pipeline and the CLI read it.
    expect(h.lockout.status('alice').locked).toBe(true);
    const checks = h.primary.checks.length;
    const r = await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    expect(r.status).toBe(429);
    expect(r.text).toContain('locked');
    expect(h.primary.checks.length).toBe(checks);
  });

  it('a wrong password or a wrong code in the portal forgets the logins RADIUS remembered (auth cache)', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    const key = { client: 'vpn', identityId: 'alice' };
    const remember = () => h!.authCache.remember(key, h!.authCache.token(Buffer.from('alice-pw')), 60_000);
    await remember();
    expect(await h.authCache.matches(key, Buffer.from('alice-pw'))).toBe(true);
    await h.browser.post('/portal/', { user: 'alice', password: 'nope' });
    expect(await h.authCache.matches(key, Buffer.from('alice-pw'))).toBe(false);
    await remember();
    expect((await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' })).status).toBe(303);
    await h.browser.post('/portal/code', { code: '000000' });
    expect(await h.authCache.matches(key, Buffer.from('alice-pw'))).toBe(false);
  });

  it('a lock set by RADIUS failures keeps the user out of the portal', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    for (let i = 0; i < 3; i++) h.lockout.registerFailure('alice');
    const r = await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    expect(r.status).toBe(429);
    expect(h.primary.checks).toEqual([]);
  });

  it('a user with an app: the password alone only reaches the code page; a wrong code counts, the right one signs in', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    const first = await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    expect(first.status).toBe(303);
    expect(first.headers?.location).toBe('/portal/');
    expect((await h.browser.get('/portal/methods')).headers?.location).toBe('/portal/');
    const code = await h.browser.get('/portal/');
    expect(code.text).toContain('authenticator app');
    await h.browser.post('/portal/code', { code: '000000' });
    expect(h.store.lockouts.failuresSince('alice', 0)).toBe(1);
    const ok = await h.browser.post('/portal/code', { code: oathCode(SEED, h.clock.now()) });
    expect(ok.headers?.location).toBe('/portal/methods');
    const page = await h.browser.get('/portal/methods');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Phone');
    // The right code forgets the failures, as a RADIUS login does.
    expect(h.store.lockouts.failuresSince('alice', 0)).toBe(0);
  });

  it('the session id changes when the password was right and again when the code was (no fixation)', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    await h.browser.get('/portal/');
    const anon = h.browser.cookie;
    await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    const coded = h.browser.cookie;
    expect(coded).not.toBe(anon);
    await h.browser.post('/portal/code', { code: oathCode(SEED, h.clock.now()) });
    expect(h.browser.cookie).not.toBe(coded);
  });

  it('no method and no window: refused with what to do; inside an enrolment window: signed in to enrol', async () => {
    h = portalHarness({ erin: { password: 'erin-pw' } });
    const r = await h.browser.post('/portal/', { user: 'erin', password: 'erin-pw' });
    expect(r.status).toBe(401);
    expect(r.text).toContain('Log in to the VPN once');
    h.store.enrolWindows.open('erin', h.clock.now(), h.clock.now() + 3_600_000);
    const ok = await h.browser.post('/portal/', { user: 'erin', password: 'erin-pw' });
    expect(ok.headers?.location).toBe('/portal/methods');
    expect((await h.browser.get('/portal/methods')).text).toContain('Add your first method');
  });

  it('posts are rate-limited per source address', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } }, ['portal: { sign_in_per_minute: 2 }']);
    const a = h.newBrowser('198.51.100.1');
    expect((await a.post('/portal/', { user: 'bob', password: 'x' })).status).toBe(401);
    expect((await a.post('/portal/', { user: 'bob', password: 'x' })).status).toBe(401);
    expect((await a.post('/portal/', { user: 'bob', password: 'x' })).status).toBe(429);
    expect((await h.newBrowser('198.51.100.2').post('/portal/', { user: 'bob', password: 'x' })).status).toBe(
      401,
    );
    h.clock.advance(60_000);
    expect((await a.post('/portal/', { user: 'bob', password: 'x' })).status).toBe(401);
  });
});

describe('portal enrolment', () => {
  async function enrolWindowSignIn(p: PortalHarness) {
    p.store.enrolWindows.open('erin', p.clock.now(), p.clock.now() + 3_600_000);
    await p.browser.post('/portal/', { user: 'erin', password: 'erin-pw' });
  }

  it('TOTP: the token is pending (no login uses it) until a valid code; the code is then used up', async () => {
    h = portalHarness({ erin: { password: 'erin-pw' } });
    await enrolWindowSignIn(h);
    expect((await h.browser.post('/portal/totp', {})).headers?.location).toBe('/portal/totp');
    const page = await h.browser.get('/portal/totp');
    expect(page.text).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
    const key = keyFromPage(page.text);
    registerSensitive(key);
    expect(h.store.tokens.hasAny('erin')).toBe(false);
    const bad = await h.browser.post('/portal/totp/confirm', { code: '123456' });
    expect(bad.headers?.location).toBe('/portal/totp');
    expect(h.store.tokens.hasAny('erin')).toBe(false);
    const code = oathCode(key, h.clock.now());
    const ok = await h.browser.post('/portal/totp/confirm', { code });
    expect(ok.headers?.location).toBe('/portal/methods');
    expect(h.store.tokens.hasAny('erin')).toBe(true);
    // The replay guard claimed the code's step: it does not work for a login either.
    const r = await h.runtimeTotp().verify('erin', code);
    expect(r.kind).toBe('replayed');
    // The window is used up: the password alone no longer signs in.
    expect(h.store.enrolWindows.openUntil('erin', h.clock.now())).toBeUndefined();
    const page2 = await h.browser.get('/portal/methods');
    expect(page2.text).not.toContain(key);
  });

  it('the last method cannot be removed while policy requires MFA, and the page says why', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    withTotp(h, 'alice');
    await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    await h.browser.post('/portal/code', { code: oathCode(SEED, h.clock.now()) });
    const page = await h.browser.get('/portal/methods');
    expect(page.text).toContain('Your only method cannot be removed');
    const id = String(h.store.tokens.listFor('alice')[0]!.id);
    await h.browser.post('/portal/methods/remove', { kind: 'totp', id });
    expect(h.store.tokens.listFor('alice')).toHaveLength(1);
    expect((await h.browser.get('/portal/methods')).text).toContain('add another one first');
    // Renaming works; a second app makes the first removable.
    await h.browser.post('/portal/methods/rename', { id, label: 'Old phone' });
    expect(h.store.tokens.listFor('alice')[0]!.label).toBe('Old phone');
    withTotp(h, 'alice', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    await h.browser.post('/portal/methods/remove', { kind: 'totp', id });
    expect(h.store.tokens.listFor('alice').map((t) => String(t.id))).not.toContain(id);
  });

  it('an exempt user may remove the last method', async () => {
    h = portalHarness({ alice: { password: 'alice-pw', mfaExempt: true } }, [
      'mfa: { exempt_users: [alice] }',
    ]);
    withTotp(h, 'alice');
    await h.browser.post('/portal/', { user: 'alice', password: 'alice-pw' });
    await h.browser.post('/portal/code', { code: oathCode(SEED, h.clock.now()) });
    const id = String(h.store.tokens.listFor('alice')[0]!.id);
    await h.browser.post('/portal/methods/remove', { kind: 'totp', id });
    expect(h.store.tokens.listFor('alice')).toHaveLength(0);
  });
});

describe('enrolment links in the portal', () => {
  const linkService = (p: PortalHarness) =>
    new EnrolLinkService({
      store: p.store,
      resolver: {
        directory: 'local',
        resolve: async (n) => ({ ok: true, value: { identityId: n, via: 'local' } }),
        canonical: async (n) => n,
        close: async () => {},
      },
      clock: p.clock,
      rng: { bytes: (k) => Buffer.alloc(k, 7 + p.store.enrolLinks.list().length) },
      publicUrl: 'https://mfa.example.com',
      portalEnabled: true,
      defaultTtlSec: 3600,
      configFile: 'config.yaml',
    });

  it('the GET only asks; the POST signs in once; a second use and an expired link are refused', async () => {
    h = portalHarness({ erin: { password: 'erin-pw' } });
    const svc = linkService(h);
    const made = await svc.create('erin', { ttlSec: 600 });
    if (!made.ok) throw made.error;
    const q = made.value.url.slice(made.value.url.indexOf('/portal/link'));
    const t = new URL(made.value.url).searchParams.get('t')!;
    registerSensitive(t);
    const asked = await h.browser.get(q);
    expect(asked.status).toBe(200);
    expect(svc.list()[0]!.state).toBe('active');
    const used = await h.browser.post('/portal/link', { t });
    expect(used.headers?.location).toBe('/portal/methods');
    expect(svc.list()[0]!.state).toBe('used');
    const again = h.newBrowser();
    await again.get(q);
    const second = await again.post('/portal/link', { t });
    expect(second.status).toBe(410);
    expect(second.text).toContain('used already');

    const late = await svc.create('erin', { ttlSec: 60 });
    if (!late.ok) throw late.error;
    const t2 = new URL(late.value.url).searchParams.get('t')!;
    const b = h.newBrowser('192.0.2.99');
    await b.get(`/portal/link?t=${t2}`);
    h.clock.advance(60_001);
    const expired = await b.post('/portal/link', { t: t2 });
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('expired');
  });

  it('a link of a user who has a method meanwhile is refused and left unused', async () => {
    h = portalHarness({ alice: { password: 'alice-pw' } });
    const svc = linkService(h);
    const made = await svc.create('alice');
    if (!made.ok) throw made.error;
    withTotp(h, 'alice');
    const t = new URL(made.value.url).searchParams.get('t')!;
    await h.browser.get(`/portal/link?t=${t}`);
    const r = await h.browser.post('/portal/link', { t });
    expect(r.status).toBe(410);
    expect(r.text).toContain('already have a sign-in method');
    expect(svc.list()[0]!.state).toBe('active');
  });
});
