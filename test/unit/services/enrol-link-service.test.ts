import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnrolLinkService, linkTokenHash } from '../../../src/services/enrol-link-service.js';
import type { IdentityResolver } from '../../../src/services/identity-resolver.js';
import { cryptoRng, ManualClock } from '../../../src/shared/clock.js';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import { err, ok } from '../../../src/shared/result.js';
import { Store } from '../../../src/store/store.js';
import { registerSensitive } from '../../helpers/sensitive.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const resolver: IdentityResolver = {
  directory: 'local',
  resolve: async (name) =>
    name === 'ghost'
      ? err(new AppError(ErrorCodes.USER_NOT_FOUND, `no local user '${name}'`))
      : ok({ identityId: name.toLowerCase(), via: 'local' }),
  canonical: async (n) => n.toLowerCase(),
  close: async () => {},
};

function setup(over: { publicUrl?: string | undefined; portalEnabled?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'enrol-link-'));
  dirs.push(dir);
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
  const store = Store.open(dir, { clock });
  const svc = new EnrolLinkService({
    store,
    resolver,
    clock,
    rng: cryptoRng,
    publicUrl: 'publicUrl' in over ? over.publicUrl : 'https://mfa.example.com/',
    portalEnabled: over.portalEnabled ?? true,
    defaultTtlSec: 3600,
    configFile: '/etc/mfa/config.yaml',
  });
  return { svc, store, clock, dir };
}

const tokenOf = (url: string): string => new URL(url).searchParams.get('t')!;

describe('EnrolLinkService', () => {
  it('makes a link under public_url, stores only the SHA-256 of its token, expires after ttl', async () => {
    const { svc, store, clock, dir } = setup();
    const r = await svc.create('Erin', { ttlSec: 120 });
    if (!r.ok) throw r.error;
    expect(r.value.url).toMatch(/^https:\/\/mfa\.example\.com\/portal\/link\?t=[A-Za-z0-9_-]{43}$/);
    expect(r.value).toMatchObject({ identityId: 'erin', expiresAt: clock.now() + 120_000 });
    const t = tokenOf(r.value.url);
    registerSensitive(t);
    store.close();
    const db = readFileSync(join(dir, 'mfa.db'));
    expect(db.includes(Buffer.from(t))).toBe(false);
    expect(db.includes(linkTokenHash(t))).toBe(true);
  });

  it('a link works once; states: active, used, expired, revoked', async () => {
    const { svc, clock } = setup();
    const a = await svc.create('a');
    const b = await svc.create('b', { ttlSec: 60 });
    const c = await svc.create('c');
    if (!a.ok || !b.ok || !c.ok) throw new Error('create');
    expect(svc.peek(tokenOf(a.value.url)).ok).toBe(true);
    expect(svc.redeem(tokenOf(a.value.url))).toMatchObject({ ok: true, value: { identityId: 'a' } });
    expect(svc.redeem(tokenOf(a.value.url))).toEqual({ ok: false, error: 'used' });
    expect(svc.revoke(c.value.id)).toEqual({ ok: true, value: undefined });
    expect(svc.redeem(tokenOf(c.value.url))).toEqual({ ok: false, error: 'revoked' });
    clock.advance(60_000);
    expect(svc.redeem(tokenOf(b.value.url))).toEqual({ ok: false, error: 'expired' });
    expect(svc.redeem('A'.repeat(43))).toEqual({ ok: false, error: 'unknown' });
    expect(Object.fromEntries(svc.list().map((l) => [l.identityId, l.state]))).toEqual({
      a: 'used',
      b: 'expired',
      c: 'revoked',
    });
    const again = svc.revoke(c.value.id);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.code).toBe('MFA_ERR_ENROL_LINK_NOT_FOUND');
  });

  it('a link that ended over 30 days ago leaves the list when the next one is made', async () => {
    const { svc, clock } = setup();
    const old = await svc.create('a', { ttlSec: 60 });
    if (!old.ok) throw old.error;
    clock.advance(30 * 86_400_000);
    await svc.create('b');
    expect(svc.list().map((l) => l.identityId)).toEqual(['b', 'a']);
    clock.advance(61_000);
    await svc.create('c');
    expect(svc.list().map((l) => l.identityId)).toEqual(['c', 'b']);
  });

  it('refuses without public_url, with the portal off, for an unknown user, and a ttl out of bounds', async () => {
    const none = await setup({ publicUrl: undefined }).svc.create('a');
    expect(none.ok ? '' : `${none.error.code} ${none.error.message}`).toMatch(
      /^MFA_ERR_PORTAL_NOT_CONFIGURED \/etc\/mfa\/config\.yaml: .*http\.public_url is not set/,
    );
    const off = await setup({ portalEnabled: false }).svc.create('a');
    expect(off.ok ? '' : off.error.message).toContain('portal.enabled is false');
    const { svc } = setup();
    const ghost = await svc.create('ghost');
    expect(ghost.ok ? '' : ghost.error.code).toBe('MFA_ERR_USER_NOT_FOUND');
    for (const ttlSec of [59, 30 * 86_400 + 1, 1.5]) {
      const r = await svc.create('a', { ttlSec });
      expect(r.ok ? '' : r.error.code).toBe('MFA_ERR_USAGE');
    }
    expect(svc.list()).toEqual([]);
  });
});
