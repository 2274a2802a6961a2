import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../../src/config/schema.js';
import { LdapDirectory } from '../../../src/directory/ldap-directory.js';
import { base32Encode } from '../../../src/factors/totp.js';
import { cryptoRng, systemClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';
import type { DirectoryAdmins } from '../../../src/web/admin/admin-sign-in.js';
import { directoryAdmins } from '../../../src/web/admin/directory-admins.js';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { oathCode } from '../../helpers/oathtool.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, slapdDirectoryConfig, startSlapd } from '../../helpers/slapd.js';

/**
 * Directory admins (`admin.groups`) against a real slapd: carol is in vpn-admins (the fixture's
 * groups), alice only in vpn-users. The directory's password check and the group decide, then the
 * user's own TOTP enrolment in the store.
 */
const SECRET = Buffer.from('carol-admin-totp-seed', 'utf8').subarray(0, 20);
const B32 = base32Encode(SECRET);

let h: SlapdHarness;
let dir: string;
let store: Store;
let ldap: LdapDirectory;
let admins: DirectoryAdmins;

beforeAll(async () => {
  registerSensitive(B32, 'carol-pw', 'alice-pw');
  h = await startSlapd();
  dir = mkdtempSync(join(tmpdir(), 'admin-ldap-'));
  const config: Config = configSchema.parse({
    data_dir: dir,
    clients: [{ name: 'vpn', address: '127.0.0.1', secret: 'secret-secret' }],
    directory: {
      type: 'ldap',
      flavour: 'openldap',
      servers: [h.url],
      bind_dn: h.serviceDn,
      bind_password: h.servicePassword,
      base_dn: h.suffix,
      timeout_ms: 2000,
    },
    admin: { groups: ['vpn-admins'] },
  });
  if (config.directory.type !== 'ldap') throw new Error('ldap expected');
  store = Store.open(dir);
  store.tokens.add('carol', { secret: SECRET });
  ldap = new LdapDirectory(config.directory);
  const built = directoryAdmins({ config, primary: () => ldap, store, clock: systemClock, rng: cryptoRng });
  if (!built) throw new Error('directory admins expected');
  admins = built;
});
afterAll(async () => {
  await ldap?.close();
  store?.close();
  await h?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('directory admins (admin.groups) against slapd', () => {
  it('a member of admin.groups with the right directory password passes the first step', async () => {
    expect(await admins.check('carol', Buffer.from('carol-pw'))).toEqual({ identityId: 'carol' });
  });

  it('a wrong password, an unknown user, or a user outside admin.groups (right password) is refused', async () => {
    expect(await admins.check('carol', Buffer.from('wrong'))).toBeUndefined();
    expect(await admins.check('nobody', Buffer.from('carol-pw'))).toBeUndefined();
    expect(await admins.check('alice', Buffer.from('alice-pw'))).toBeUndefined();
  });

  it("the second step is the user's own TOTP enrolment (oathtool), once per code", async () => {
    const code = oathCode(B32);
    const other = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(await admins.verifyCode('carol', other)).toBe(false);
    expect(await admins.verifyCode('carol', code)).toBe(true);
    expect(await admins.verifyCode('carol', code)).toBe(false);
    expect(await admins.verifyCode('alice', code)).toBe(false);
  });
});

describe('LDAP server health for the RADIUS page', () => {
  it('a server that failed is reported as skipped until server_retry_sec has passed; the one in use is up', async () => {
    const dead = `ldap://127.0.0.1:${await freeTcpPort()}`;
    const d = new LdapDirectory(slapdDirectoryConfig(h, { servers: [dead, h.url], server_retry_sec: 60 }));
    try {
      expect(d.serverHealth()).toEqual([
        { server: dead, downUntil: undefined },
        { server: h.url, downUntil: undefined },
      ]);
      const r = await d.authenticate({
        userName: 'carol',
        prepare: checkPassword(Buffer.from('carol-pw')),
        correlationId: 't',
        deadline: Date.now() + 10_000,
      });
      expect(r.kind).toBe('ok');
      const [first, second] = d.serverHealth();
      expect(first?.server).toBe(dead);
      expect(first?.downUntil).toBeGreaterThan(Date.now() + 50_000);
      expect(second).toEqual({ server: h.url, downUntil: undefined });
    } finally {
      await d.close();
    }
  });
});
