import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../../src/directory/ldap-directory.js';
import { LockoutPolicy } from '../../../src/factors/lockout.js';
import { base32Decode, TotpFactor } from '../../../src/factors/totp.js';
import { policySchema } from '../../../src/policy/policy-schema.js';
import { GroupPolicy } from '../../../src/policy/group-policy.js';
import { EnrolLinkService } from '../../../src/services/enrol-link-service.js';
import type { PortalRuntime } from '../../../src/services/portal-runtime.js';
import { PortalSignIn } from '../../../src/services/portal-sign-in.js';
import { cryptoRng, ManualClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';
import { oathCode } from '../../helpers/oathtool.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, slapdDirectoryConfig, startSlapd } from '../../helpers/slapd.js';

/**
 * The portal's sign-in against a real OpenLDAP (issue 11 item 2): the same bind RADIUS makes, the
 * identity the directory finds (whatever spelling was typed), failures counted on it in the shared
 * lockout, no bind at all once it is locked, then the code.
 */
const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
registerSensitive('alice-pw', 'bob-pw', 'carol-pw', SEED);

let slapd: SlapdHarness;
let dir: string;
let store: Store;
let ldap: LdapDirectory;
const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
let lockout: LockoutPolicy;
let portal: PortalSignIn;
/** Calls into the directory (a search and, unless stopped by the gate, the one bind). */
let checks = 0;

beforeAll(async () => {
  slapd = await startSlapd();
  dir = mkdtempSync(join(tmpdir(), 'portal-ldap-'));
  store = Store.open(dir, { clock });
  ldap = new LdapDirectory(slapdDirectoryConfig(slapd));
  const primary = {
    kind: ldap.kind,
    authenticate: (req: Parameters<LdapDirectory['authenticate']>[0]) => {
      checks++;
      return ldap.authenticate(req);
    },
    lookup: (n: string) => ldap.lookup(n),
    normalizeLogin: (n: string) => ldap.normalizeLogin(n),
    close: () => ldap.close(),
  };
  lockout = new LockoutPolicy({
    repo: store.lockouts,
    clock,
    options: { maxFailures: 3, windowSec: 300, lockSec: 900 },
  });
  const runtime: PortalRuntime = {
    primary,
    lockout,
    policy: new GroupPolicy(policySchema.parse({}), { exemptUsers: [] }),
    totp: new TotpFactor({ tokens: store.tokens, clock, options: { digits: 6, period: 30, window: 1 } }),
    sms: undefined,
  };
  const log = { info: () => {}, warn: () => {} };
  const links = new EnrolLinkService({
    store,
    resolver: {
      directory: 'ldap',
      resolve: async () => {
        throw new Error('unused');
      },
      canonical: async (n) => n,
      close: async () => {},
    },
    clock,
    rng: cryptoRng,
    publicUrl: 'https://mfa.example.com',
    portalEnabled: true,
    defaultTtlSec: 3600,
    configFile: 'config.yaml',
  });
  portal = new PortalSignIn({ runtime: () => runtime, store, links, clock, log });
  const seed = base32Decode(SEED);
  if (!seed.ok) throw new Error('seed');
  store.tokens.add('alice', { secret: seed.value });
});

afterAll(async () => {
  await ldap?.close();
  store?.close();
  await slapd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('portal sign-in with LDAP', () => {
  it('the right password (typed as ALICE) asks for the app code of the directory identity; the code signs in', async () => {
    const out = await portal.signIn('ALICE', 'alice-pw', 'c1');
    expect(out).toMatchObject({
      kind: 'second_factor',
      pending: { method: 'totp', identity: { id: 'alice' } },
    });
    if (out.kind !== 'second_factor') throw new Error('no code asked');
    expect(out.pending.identity.groups).toEqual(['vpn-users']);
    const done = await portal.verify(out.pending, oathCode(SEED, clock.now()), 'c1');
    expect(done).toMatchObject({ kind: 'signed_in', scope: 'full', identity: { id: 'alice' } });
  });

  it('a user with no method and no enrolment window: no_method after the bind; inside a window, signed in to enrol', async () => {
    expect(await portal.signIn('carol', 'carol-pw', 'c2')).toMatchObject({
      kind: 'refused',
      reason: 'no_method',
    });
    store.enrolWindows.open('carol', clock.now(), clock.now() + 600_000);
    expect(await portal.signIn('carol', 'carol-pw', 'c3')).toMatchObject({
      kind: 'signed_in',
      scope: 'first_enrolment',
      identity: { id: 'carol' },
    });
  });

  it('wrong passwords are bad_password, counted on the identity; once locked, the directory is not asked', async () => {
    for (let i = 0; i < 3; i++)
      expect(await portal.signIn('bob', `wrong-${i}`, 'c4')).toMatchObject({
        kind: 'refused',
        reason: 'bad_password',
      });
    registerSensitive('wrong-0', 'wrong-1', 'wrong-2');
    expect(lockout.status('bob').locked).toBe(true);
    const before = checks;
    const r = await portal.signIn('bob', 'bob-pw', 'c5');
    expect(r).toMatchObject({ kind: 'refused', reason: 'user_locked_out' });
    // The gate comes before the directory: locked, the directory is not even asked.
    expect(checks - before).toBe(0);
    expect(store.lockouts.getLock('bob')?.failures).toBe(3);
  });

  it('an unknown user reads like a wrong password and counts nothing', async () => {
    expect(await portal.signIn('nobody', 'x-pw', 'c6')).toMatchObject({
      kind: 'refused',
      reason: 'no_such_user',
    });
    expect(store.lockouts.failuresSince('nobody', 0)).toBe(0);
  });
});
