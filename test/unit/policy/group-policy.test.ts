import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/pipeline/types.js';
import { evaluatePolicy, GroupPolicy } from '../../../src/policy/group-policy.js';
import { type PolicyConfigInput, policySchema } from '../../../src/policy/policy-schema.js';

const policy = (p: PolicyConfigInput) => policySchema.parse(p);
const user = (groups: string[], extra: Partial<Identity> = {}): Identity => ({
  id: 'alice',
  loginName: 'EX\\Alice',
  groups,
  ...extra,
});

const sample = policy({
  allow_groups: ['VPN-*', 'CN=Contractors,OU=Groups,DC=example,DC=com'],
  rules: [
    {
      name: 'admins',
      groups: ['VPN-Admins'],
      mfa: 'required',
      reply: [
        { attribute: 'Filter-Id', value: 'acl-admin' },
        { attribute: 'Class', value: 'OU={group};' },
        { attribute: 'Session-Timeout', value: 28800 },
      ],
    },
    { name: 'service', groups: ['VPN-Service'], mfa: 'exempt', unenrolled: 'allow' },
    {
      name: 'staff',
      groups: ['VPN-Users', 'CN=Contractors,OU=Groups,DC=example,DC=com'],
      unenrolled: 'enroll',
      reply: [{ attribute: 'Fortinet-Group-Name', value: '{groups}', groups: 'all' }],
    },
  ],
});

describe('evaluatePolicy', () => {
  it('refuses users outside allow_groups', () => {
    expect(evaluatePolicy(sample, user(['Domain Users']))).toEqual({
      allowed: false,
      reason: 'not_in_allowed_group',
      rule: 'allow_groups',
      mfa: 'required',
      unenrolled: 'reject',
      reply: [],
    });
    expect(evaluatePolicy(sample, user([])).allowed).toBe(false);
  });

  it('first matching rule wins, in order', () => {
    const d = evaluatePolicy(sample, user(['VPN-Users', 'vpn-admins', 'VPN-Service']));
    expect(d).toMatchObject({ allowed: true, rule: 'admins', mfa: 'required', unenrolled: 'reject' });
    expect(d.reply).toEqual([
      { name: 'Filter-Id', value: 'acl-admin' },
      { name: 'Class', value: 'OU=vpn-admins;' },
      { name: 'Session-Timeout', value: 28800 },
    ]);
    expect(evaluatePolicy(sample, user(['VPN-Service', 'VPN-Users']))).toMatchObject({
      rule: 'service',
      mfa: 'exempt',
      unenrolled: 'allow',
      reply: [],
    });
  });

  it('matches group DNs from the directory, reporting the CN', () => {
    const contractor = user(['Contractors', 'Printers'], {
      details: {
        dn: 'x',
        groupDns: ['cn=contractors, ou=groups, dc=Example,dc=com', 'CN=Printers,DC=example,DC=com'],
      },
    });
    expect(evaluatePolicy(sample, contractor)).toMatchObject({
      allowed: true,
      rule: 'staff',
      unenrolled: 'enroll',
      reply: [{ name: 'Fortinet-Group-Name', value: 'Contractors,Printers' }],
    });
    // The same CN without the DN (another OU, or a local user) does not pass a DN pattern.
    expect(evaluatePolicy(sample, user(['Contractors'])).allowed).toBe(false);
  });

  it('falls back to default; directory-agnostic: a local user with no groups', () => {
    const p = policy({
      rules: [{ name: 'x', groups: ['X'] }],
      default: { mfa: 'exempt', reply: [{ attribute: 'Reply-Message', value: 'hello {user}' }] },
    });
    expect(evaluatePolicy(p, { id: 'bob', loginName: 'bob' })).toEqual({
      allowed: true,
      rule: 'default',
      mfa: 'exempt',
      unenrolled: 'reject',
      reply: [{ name: 'Reply-Message', value: 'hello bob' }],
    });
  });

  it('an empty policy: everyone in, MFA required, unenrolled rejected, nothing sent', () => {
    expect(evaluatePolicy(policy({}), user(['any']))).toEqual({
      allowed: true,
      rule: 'default',
      mfa: 'required',
      unenrolled: 'reject',
      reply: [],
    });
  });

  it('is pure: same answer twice, input untouched', () => {
    const id = user(['VPN-Admins']);
    const snapshot = JSON.stringify(id);
    expect(evaluatePolicy(sample, id)).toEqual(evaluatePolicy(sample, id));
    expect(JSON.stringify(id)).toBe(snapshot);
  });
});

describe('GroupPolicy (PolicyPort)', () => {
  it('applies per-user exemptions after the rules', () => {
    const gp = new GroupPolicy(sample, { exemptUsers: ['Alice'] });
    expect(gp.evaluate(user(['VPN-Admins']))).toMatchObject({ rule: 'admins', mfa: 'exempt' });
    expect(gp.evaluate(user(['VPN-Admins'], { id: 'carol', mfaExempt: true }))).toMatchObject({
      mfa: 'exempt',
    });
    expect(gp.evaluate(user(['VPN-Admins'], { id: 'dave' }))).toMatchObject({ mfa: 'required' });
    expect(gp.evaluate(user(['nothing'])).allowed).toBe(false);
  });
});

describe('policy schema', () => {
  it('rejects duplicate rule names, empty group lists and unknown keys', () => {
    expect(
      policySchema.safeParse({
        rules: [
          { name: 'a', groups: ['x'] },
          { name: 'a', groups: ['y'] },
        ],
      }).success,
    ).toBe(false);
    expect(policySchema.safeParse({ rules: [{ name: 'a', groups: [] }] }).success).toBe(false);
    expect(policySchema.safeParse({ rules: [{ name: 'a', groups: ['x'], mfa: 'sometimes' }] }).success).toBe(
      false,
    );
    expect(policySchema.safeParse({ allow: ['x'] }).success).toBe(false);
    expect(
      policySchema.safeParse({
        rules: [{ name: 'a', groups: ['x'], reply: [{ attribute: 'Class', value: 'x', max_bytes: 300 }] }],
      }).success,
    ).toBe(false);
  });
  it('fills defaults', () => {
    expect(policySchema.parse({})).toEqual({
      rules: [],
      default: { mfa: 'required', unenrolled: 'reject', reply: [] },
      group_separator: ',',
    });
  });
});
