import { Client } from 'ldapts';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory, type LdapDirectoryOptions } from '../../../src/directory/ldap-directory.js';
import type { PrimaryRequest, PrimaryResult } from '../../../src/pipeline/types.js';
import { burst } from '../../helpers/burst.js';
import { startInProcess } from '../../helpers/in-process.js';
import { type SambaAdHarness, sambaDirectoryConfig, startSambaAd } from '../../helpers/samba-ad.js';

/**
 * One Samba AD DC for this whole file (provisioning takes 7-30 s on this box). Users and groups are
 * created with samba-tool, as an admin would.
 */
let h: SambaAdHarness;
let admin: Client;
const open: LdapDirectory[] = [];
const SVC = { name: 'svc-radius', password: 'Svc-Radius-Passw0rd!' };
const PW = 'Us3r-Passw0rd!';

function directory(over: Parameters<typeof sambaDirectoryConfig>[2] = {}, opts: LdapDirectoryOptions = {}) {
  const dn = `CN=${SVC.name},CN=Users,${h.baseDn}`;
  const d = new LdapDirectory(sambaDirectoryConfig(h, { dn, password: SVC.password }, over), opts);
  open.push(d);
  return d;
}

const req = (userName: string, password: string): PrimaryRequest => ({
  userName,
  prepare: checkPassword(Buffer.from(password)),
  correlationId: 'ad',
  deadline: Date.now() + 10_000,
});

function okIdentity(r: PrimaryResult) {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.identity;
}

async function badPwdCount(sam: string): Promise<number> {
  const { searchEntries } = await admin.search(h.baseDn, {
    filter: `(sAMAccountName=${sam})`,
    attributes: ['badPwdCount'],
  });
  return Number(searchEntries[0]?.badPwdCount ?? Number.NaN);
}

/** Runs samba-tool commands, a few at a time (each is a Python start-up). */
async function tools(cmds: string[][], lanes = 3): Promise<void> {
  const queue = [...cmds];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) await h.tool(...c);
    }),
  );
}

beforeAll(async () => {
  h = await startSambaAd();
  process.stderr.write(
    `samba: provision ${Math.round(h.provisionMs)} ms, start ${Math.round(h.startMs)} ms\n`,
  );
  const user = (name: string, ...extra: string[]) => ['user', 'create', name, PW, ...extra];
  await tools([
    ['user', 'create', SVC.name, SVC.password],
    user(
      'alice',
      '--given-name=Alice',
      '--surname=Archer',
      '--mail-address=alice@example.test',
      '--telephone-number=+15550200001',
    ),
    user('bob'),
    user('carol'),
    user('locky'),
    user('sprayed'),
    user('dis'),
    user('exp'),
    user('chg', '--must-change-at-next-login'),
    ['group', 'add', 'vpn-users'],
    ['group', 'add', 'vpn-admins'],
    ['group', 'add', 'loop-a'],
    ['group', 'add', 'loop-b'],
    ['domain', 'passwordsettings', 'set', '--account-lockout-threshold=5'],
  ]);
  await tools([
    ['group', 'addmembers', 'vpn-users', 'vpn-admins'],
    ['group', 'addmembers', 'vpn-admins', 'alice'],
    ['group', 'addmembers', 'loop-a', 'carol,loop-b'],
    ['group', 'addmembers', 'loop-b', 'loop-a'],
    ['user', 'disable', 'dis'],
    ['user', 'setexpiry', 'exp', '--days=0'],
  ]);
  admin = new Client({ url: h.url, timeout: 5000 });
  await admin.bind(h.adminDn, h.adminPassword);
  // samba-tool has no --mobile: set it over LDAP as an admin would in ADUC.
  const { Change, Attribute } = await import('ldapts');
  await admin.modify(
    `CN=Alice Archer,CN=Users,${h.baseDn}`,
    new Change({
      operation: 'add',
      modification: new Attribute({ type: 'mobile', values: ['+15550100001'] }),
    }),
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await admin?.unbind().catch(() => {});
  await h?.stop();
});

describe('Samba AD: logins and identity', () => {
  it('sAMAccountName, UPN and DOMAIN\\user all become the identity "alice"', async () => {
    const d = directory({ login_domains: ['EXAMPLE'] });
    const a = okIdentity(await d.authenticate(req('alice', PW)));
    expect(a).toMatchObject({
      id: 'alice',
      displayName: 'Alice Archer',
      mail: 'alice@example.test',
      phone: '+15550200001',
      mobile: '+15550100001',
      details: { dn: `CN=Alice Archer,CN=Users,${h.baseDn}` },
    });
    for (const name of ['alice@example.test', 'EXAMPLE\\alice', 'example\\ALICE', 'Alice']) {
      expect(okIdentity(await d.authenticate(req(name, PW))).id).toBe('alice');
    }
    expect(await d.authenticate(req('OTHER\\alice', PW))).toEqual({ kind: 'fail', reason: 'no_such_user' });
    expect(await d.authenticate(req('nobody', PW))).toEqual({ kind: 'fail', reason: 'no_such_user' });
    expect(await d.authenticate(req('alice', 'wrong'))).toEqual({
      kind: 'fail',
      reason: 'bad_password',
      identityId: 'alice',
    });
  });

  it('resolves nested groups with the in-chain matching rule, in one query', async () => {
    const trace = await directory().explainUser('alice');
    expect([...(trace.identity?.groups ?? [])].sort()).toEqual(['vpn-admins', 'vpn-users']);
    expect(trace.groups?.strategy).toBe('in_chain');
    expect(trace.groups?.queries).toEqual([
      `(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Alice Archer,CN=Users,${h.baseDn}))`,
    ]);
    expect(trace.filter).toBe(
      '(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=alice)(userPrincipalName=alice)))',
    );
    expect(trace.attributes.userprincipalname).toEqual(['alice@example.test']);
  });

  it('a loop of groups is resolved once (in-chain), as is the member walk', async () => {
    const inChain = okIdentity(await directory().authenticate(req('carol', PW)));
    expect([...(inChain.groups ?? [])].sort()).toEqual(['loop-a', 'loop-b']);
    const walked = okIdentity(
      await directory({ groups: { strategy: 'member' } }).authenticate(req('carol', PW)),
    );
    expect([...(walked.groups ?? [])].sort()).toEqual(['loop-a', 'loop-b']);
  });
});

describe('Samba AD: account states from the bind sub-code', () => {
  it.each([
    ['dis', 'account_disabled'], // data 533
    ['exp', 'account_expired'], // data 701
    ['chg', 'password_must_change'], // data 773
  ])('%s with the right password → %s', async (user, reason) => {
    expect(await directory().authenticate(req(user, PW))).toEqual({ kind: 'fail', reason, identityId: user });
  });

  it('with a wrong password the state is not revealed: bad_password (data 52e)', async () => {
    expect(await directory().authenticate(req('dis', 'wrong'))).toMatchObject({ reason: 'bad_password' });
  });

  it('an account AD locked out (threshold 5) → account_locked (data 775)', async () => {
    const d = directory();
    for (let i = 0; i < 5; i++)
      expect(await d.authenticate(req('locky', `wrong-${i}`))).toMatchObject({ reason: 'bad_password' });
    expect(await d.authenticate(req('locky', PW))).toEqual({
      kind: 'fail',
      reason: 'account_locked',
      identityId: 'locky',
    });
  });
});

describe('Samba AD: lockout safety', () => {
  it('one wrong attempt = exactly one bind: badPwdCount rises by 1 each time, below the threshold', async () => {
    const d = directory();
    expect(await badPwdCount('bob')).toBe(0);
    for (let i = 1; i <= 4; i++) {
      expect(await d.authenticate(req('bob', `spray-${i}`))).toMatchObject({ reason: 'bad_password' });
      expect(await badPwdCount('bob')).toBe(i);
    }
    // Still below lockoutThreshold (5): the right password works and AD resets the counter.
    expect(okIdentity(await d.authenticate(req('bob', PW))).id).toBe('bob');
    expect(await badPwdCount('bob')).toBe(0);
  });

  it('with a pre-bind limit of 3, a spray of 12 leaves badPwdCount at 3 and the account usable', async () => {
    const failures = new Map<string, number>();
    const d = directory(
      {},
      { preBind: (id) => ((failures.get(id.id) ?? 0) >= 3 ? 'user_locked_out' : null) },
    );
    const reasons: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await d.authenticate(req('bob', `spray-${i}`));
      if (r.kind === 'fail') {
        reasons.push(r.reason);
        if (r.reason === 'bad_password') failures.set('bob', (failures.get('bob') ?? 0) + 1);
      }
    }
    expect(reasons.filter((r) => r === 'bad_password')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'user_locked_out')).toHaveLength(9);
    expect(await badPwdCount('bob')).toBe(3);
    failures.clear(); // the core's lock expired
    expect(okIdentity(await d.authenticate(req('bob', PW))).id).toBe('bob');
  });
});

describe('Samba AD: a simultaneous burst through the proxy (issue 9 item 1)', () => {
  it('300 wrong passwords at once with max_failures 4: 4 binds, badPwdCount 4, the AD account not locked', async () => {
    const p = await startInProcess({
      clientYaml: ['mfa_mode: challenge'],
      extraYaml: [
        'directory:',
        '  type: ldap',
        '  flavour: ad',
        `  servers: ["${h.url}"]`,
        `  bind_dn: "CN=${SVC.name},CN=Users,${h.baseDn}"`,
        `  bind_password: "${SVC.password}"`,
        `  base_dn: "${h.baseDn}"`,
        '  timeout_ms: 5000',
        'lockout:',
        '  max_failures: 4',
      ],
    });
    try {
      const replies = await burst(
        p.port,
        p.secret,
        'sprayed',
        Array.from({ length: 300 }, (_, i) => `spray-${i}`),
      );
      expect(replies).toHaveLength(300);
      const reasons = p.audits().map((a) => a.reason);
      expect(reasons.filter((r) => r === 'bad_password')).toHaveLength(4);
      expect(reasons.filter((r) => r === 'user_locked_out')).toHaveLength(296);
      expect(await badPwdCount('sprayed')).toBe(4);
      const { searchEntries } = await admin.search(h.baseDn, {
        filter: '(sAMAccountName=sprayed)',
        attributes: ['lockoutTime'],
      });
      expect(Number(searchEntries[0]?.lockoutTime ?? 0)).toBe(0);
    } finally {
      await p.stop();
    }
    // The account itself still works: AD never saw its threshold (5).
    expect(okIdentity(await directory().authenticate(req('sprayed', PW))).id).toBe('sprayed');
  });
});
