import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { LdapDirectory } from '../../../src/directory/ldap-directory.js';
import type { PrimaryRequest, PrimaryResult } from '../../../src/pipeline/types.js';
import { type SlapdHarness, slapdDirectoryConfig, startSlapd } from '../../helpers/slapd.js';

let h: SlapdHarness;
const open: LdapDirectory[] = [];

function directory(over: Parameters<typeof slapdDirectoryConfig>[1] = {}): LdapDirectory {
  const d = new LdapDirectory(slapdDirectoryConfig(h, over));
  open.push(d);
  return d;
}

function req(userName: string, password: string): PrimaryRequest {
  return { userName, prepare: checkPassword(Buffer.from(password)), correlationId: 't', deadline: Date.now() + 10_000 };
}

function okIdentity(r: PrimaryResult) {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.identity;
}

beforeAll(async () => {
  h = await startSlapd();
});
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await h?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LdapDirectory against slapd: find and bind', () => {
  it('logs alice in and fills the identity from the configured attributes', async () => {
    const id = okIdentity(await directory().authenticate(req('alice', 'alice-pw')));
    expect(id).toMatchObject({
      id: 'alice',
      loginName: 'alice',
      displayName: 'Alice Archer',
      mail: 'alice@example.org',
      mobile: '+15550100001',
      phone: '+15550200001',
      groups: ['vpn-users'],
      details: {
        dn: 'uid=alice,ou=people,dc=example,dc=org',
        groupDns: ['cn=vpn-users,ou=groups,dc=example,dc=org'],
      },
    });
  });

  it('maps a wrong password to bad_password and names the person', async () => {
    expect(await directory().authenticate(req('alice', 'wrong'))).toEqual({
      kind: 'fail',
      reason: 'bad_password',
      identityId: 'alice',
    });
  });

  it('maps an unknown user to no_such_user without an identity', async () => {
    expect(await directory().authenticate(req('nobody', 'x'))).toEqual({
      kind: 'fail',
      reason: 'no_such_user',
    });
  });

  it('refuses an empty password before any bind (RFC 4513 §5.1.2 unauthenticated bind)', async () => {
    expect(await directory().authenticate(req('alice', ''))).toEqual({
      kind: 'fail',
      reason: 'missing_password',
      identityId: 'alice',
    });
  });

  it('reads other attribute names when configured', async () => {
    const d = directory({ attributes: { mobile: 'telephoneNumber', phone: 'mobile', mail: 'uid' } });
    const id = okIdentity(await d.authenticate(req('alice', 'alice-pw')));
    expect([id.mobile, id.phone, id.mail]).toEqual(['+15550200001', '+15550100001', 'alice']);
  });

  it('puts every spelling of a login on one identity id', async () => {
    const d = directory({ upn_suffixes: ['example.org'], login_domains: ['EXAMPLE'] });
    const ids = [];
    for (const name of ['alice', 'ALICE', 'alice@example.org', 'EXAMPLE\\alice', 'example\\Alice']) {
      ids.push(okIdentity(await d.authenticate(req(name, 'alice-pw'))).id);
    }
    expect(ids).toEqual(['alice', 'alice', 'alice', 'alice', 'alice']);
    expect((await d.authenticate(req('OTHER\\alice', 'alice-pw'))).kind).toBe('fail');
    expect(await d.authenticate(req('alice@elsewhere.org', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'no_such_user',
    });
  });

  it('works the same with a new connection per login', async () => {
    const d = directory({ reuse_connections: false });
    expect(okIdentity(await d.authenticate(req('dave', 'dave-pw'))).groups).toHaveLength(3);
    expect(await d.authenticate(req('dave', 'nope'))).toMatchObject({ reason: 'bad_password' });
    expect(okIdentity(await d.authenticate(req('carol', 'carol-pw'))).id).toBe('carol');
  });

  it('serves many concurrent logins over the bind pool without mixing them up', async () => {
    const d = directory({ bind_pool_size: 3 });
    const users = ['alice', 'alex', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const results = await Promise.all(
      Array.from({ length: 42 }, (_, i) => {
        const u = users[i % users.length] as string;
        return d.authenticate(req(u, i % 3 === 0 ? 'wrong' : `${u}-pw`)).then((r) => ({ u, i, r }));
      }),
    );
    for (const { u, i, r } of results) {
      if (i % 3 === 0) expect(r).toEqual({ kind: 'fail', reason: 'bad_password', identityId: u });
      else expect(okIdentity(r).id).toBe(u);
    }
  });

  it('lookup resolves an identity with groups and no password; null when unknown', async () => {
    const d = directory();
    expect(await d.lookup('carol')).toMatchObject({ id: 'carol', groups: ['vpn-admins', 'vpn-users'] });
    expect(await d.lookup('nobody')).toBeNull();
  });

  it('preBind can stop a login before the bind', async () => {
    const seen: string[] = [];
    const d = new LdapDirectory(slapdDirectoryConfig(h), {
      preBind: (identity) => {
        seen.push(identity.id);
        return 'user_locked_out';
      },
    });
    open.push(d);
    expect(await d.authenticate(req('Bob', 'bob-pw'))).toEqual({
      kind: 'fail',
      reason: 'user_locked_out',
      identityId: 'bob',
    });
    expect(seen).toEqual(['bob']);
  });
});

describe('filter escaping of user input', () => {
  it.each([
    ['al*', 'star-pw', 'al*'],
    ['paren(x)', 'paren-pw', 'paren(x)'],
    ['back\\slash', 'backslash-pw', 'back\\slash'],
    ['jsmith', 'jsmith-pw', 'jsmith'],
  ])('%s logs in as exactly that entry', async (name, pw, id) => {
    expect(okIdentity(await directory().authenticate(req(name, pw))).id).toBe(id);
  });

  it('"al*" is a literal star, not a wildcard over alice and alex', async () => {
    expect(await directory().authenticate(req('al*', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'bad_password',
      identityId: 'al*',
    });
  });

  it.each([
    ['*'],
    ['a*'],
    ['alice)(uid=*'],
    ['*)(|(uid=*'],
    ['alice\u0000'],
    ['\u0000'],
    ['alice\\'],
    ['('],
    [')'],
  ])('%j finds nobody and breaks nothing', async (name) => {
    expect(await directory().authenticate(req(name, 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'no_such_user',
    });
  });
});

describe('nested groups', () => {
  it('resolves nesting by walking member', async () => {
    const d = directory();
    expect(okIdentity(await d.authenticate(req('dave', 'dave-pw'))).groups).toEqual([
      'helpdesk',
      'vpn-admins',
      'vpn-users',
    ]);
  });

  it('resolves the same by walking memberOf (memberof overlay)', async () => {
    const d = directory({ groups: { strategy: 'memberof' } });
    expect(okIdentity(await d.authenticate(req('dave', 'dave-pw'))).groups).toEqual([
      'helpdesk',
      'vpn-admins',
      'vpn-users',
    ]);
  });

  it.each(['member', 'memberof'] as const)('stops at a loop of groups (%s)', async (strategy) => {
    const d = directory({ groups: { strategy } });
    expect(okIdentity(await d.authenticate(req('erin', 'erin-pw'))).groups).toEqual(['loop-a', 'loop-b']);
  });

  it.each(['member', 'memberof'] as const)(
    'bounds the depth and says so in the trace (%s)',
    async (strategy) => {
      const deep = directory({ groups: { strategy } });
      expect(okIdentity(await deep.authenticate(req('frank', 'frank-pw'))).groups).toHaveLength(6);
      const shallow = directory({ groups: { strategy, max_depth: 3 } });
      expect(okIdentity(await shallow.authenticate(req('frank', 'frank-pw'))).groups).toEqual([
        'chain-6',
        'chain-5',
        'chain-4',
      ]);
      const trace = await directory({ groups: { strategy, max_depth: 3 } }).explainUser('frank');
      expect(trace.groups?.truncated).toBe(true);
    },
  );

  it('names groups by CN, unescaped, and escapes member DNs in filters', async () => {
    const d = directory();
    const bob = okIdentity(await d.authenticate(req('bob', 'bob-pw')));
    expect(bob.groups).toEqual(['Sales, EMEA']);
    // jsmith's own DN has an escaped comma: the member filter must escape its backslash.
    expect(okIdentity(await d.authenticate(req('jsmith', 'jsmith-pw'))).groups).toEqual(['Sales, EMEA']);
  });

  it('caches groups per user for group_cache_ttl_sec, then reads them again', async () => {
    const d = directory({ group_cache_ttl_sec: 60 });
    expect(okIdentity(await d.authenticate(req('alex', 'alex-pw'))).groups).toEqual([]);
    await h.modify(
      'dn: cn=helpdesk,ou=groups,dc=example,dc=org\nchangetype: modify\nadd: member\nmember: uid=alex,ou=people,dc=example,dc=org\n',
    );
    expect(okIdentity(await d.authenticate(req('alex', 'alex-pw'))).groups).toEqual([]);
    expect((await d.explainUser('alex')).groups?.fromCache).toBe(true);
    // node-cache compares entry expiry with Date.now(): move only the date, not the timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    expect(okIdentity(await d.authenticate(req('alex', 'alex-pw'))).groups).toEqual([
      'helpdesk',
      'vpn-admins',
      'vpn-users',
    ]);
  });

  it('with the cache off, sees membership changes at once', async () => {
    const d = directory({ group_cache_ttl_sec: 0 });
    expect(okIdentity(await d.authenticate(req('bob', 'bob-pw'))).groups).toEqual(['Sales, EMEA']);
    await h.modify(
      'dn: cn=loop-b,ou=groups,dc=example,dc=org\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,dc=example,dc=org\n',
    );
    expect([...(okIdentity(await d.authenticate(req('bob', 'bob-pw'))).groups ?? [])].sort()).toEqual([
      'Sales, EMEA',
      'loop-a',
      'loop-b',
    ]);
  });
});

describe('explainUser (directory test USER)', () => {
  it('shows the filter, base, DN, attributes and nested groups, step by step', async () => {
    const trace = await directory().explainUser('dave');
    expect(trace).toMatchObject({
      input: 'dave',
      server: h.url,
      base: 'dc=example,dc=org',
      filter: '(&(objectClass=person)(uid=dave))',
      entries: 1,
      dn: 'uid=dave,ou=people,dc=example,dc=org',
      outcome: 'found',
      identity: { id: 'dave', groups: ['helpdesk', 'vpn-admins', 'vpn-users'] },
    });
    expect(trace.attributes.uid).toEqual(['dave']);
    expect(trace.attributes.memberof).toEqual(['cn=helpdesk,ou=groups,dc=example,dc=org']);
    expect(trace.groups).toMatchObject({ strategy: 'member', fromCache: false, truncated: false });
    expect(trace.groups?.queries[0]).toBe(
      '(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))(member=uid=dave,ou=people,dc=example,dc=org))',
    );
    expect(trace.steps.map((s) => [s.step, s.ok])).toEqual([
      ['parse', true],
      ['search', true],
      ['groups', true],
    ]);
  });

  it('shows the escaped filter and no match for hostile input', async () => {
    const trace = await directory().explainUser('*)(uid=*');
    expect(trace.filter).toBe('(&(objectClass=person)(uid=\\2a\\29\\28uid=\\2a))');
    expect(trace).toMatchObject({ entries: 0, outcome: 'no_such_user' });
  });
});
