import { describe, expect, it } from 'vitest';
import type { MfaMode } from '../../../src/config/schema.js';
import type { PolicyConfigInput } from '../../../src/policy/policy-schema.js';
import type { ReasonCode } from '../../../src/pipeline/reasons.js';
import { MemoryAuthCache } from '../../../src/state/auth-cache.js';
import { FakeFactor } from '../../helpers/pipeline-fakes.js';
import { type FakeUser, harness, MemoryLockout, request } from '../../helpers/pipeline-fakes.js';

/**
 * The decision layer without UDP: (mode, primary result, policy, enrolled methods, factor result)
 * → (decision kind, reason, audit fields), with a fake for every port.
 */
interface Row {
  readonly name: string;
  readonly mode: MfaMode;
  readonly user?: Partial<FakeUser> & { enrolled?: boolean; code?: string; usedCode?: string };
  readonly login?: string;
  readonly typed: string | undefined;
  readonly policy?: PolicyConfigInput;
  readonly exemptUsers?: string[];
  readonly primaryFails?: ReasonCode;
  readonly failuresBefore?: number;
  readonly expect: {
    readonly kind: 'accept' | 'reject' | 'challenge';
    readonly reason: ReasonCode;
    readonly mode: string;
    readonly rule?: string;
    /** The passwords the directory checked (exactly one check, or none). */
    readonly checked: string[];
    readonly failuresAfter: number;
  };
}

const PW = 'Secret-pw';
const rows: Row[] = [
  {
    name: 'challenge: good password, enrolled → challenge',
    mode: 'challenge',
    typed: PW,
    expect: {
      kind: 'challenge',
      reason: 'challenge_issued',
      mode: 'challenge',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'challenge: wrong password counts one failure',
    mode: 'challenge',
    typed: 'nope',
    expect: {
      kind: 'reject',
      reason: 'bad_password',
      mode: 'challenge',
      checked: ['nope'],
      failuresAfter: 1,
    },
  },
  {
    name: 'challenge: unknown user, nothing counted',
    mode: 'challenge',
    login: 'ghost',
    typed: PW,
    expect: { kind: 'reject', reason: 'no_such_user', mode: 'challenge', checked: [], failuresAfter: 0 },
  },
  {
    name: 'challenge: no password',
    mode: 'challenge',
    typed: undefined,
    expect: { kind: 'reject', reason: 'missing_password', mode: 'challenge', checked: [], failuresAfter: 0 },
  },
  {
    name: 'unenrolled, default reject',
    mode: 'challenge',
    typed: PW,
    user: { enrolled: false },
    expect: {
      kind: 'reject',
      reason: 'not_enrolled',
      mode: 'challenge',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'unenrolled, allowed',
    mode: 'challenge',
    typed: PW,
    user: { enrolled: false },
    policy: { default: { unenrolled: 'allow' } },
    expect: {
      kind: 'accept',
      reason: 'unenrolled_allowed',
      mode: 'challenge',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'exempt by name',
    mode: 'challenge',
    typed: PW,
    exemptUsers: ['alice'],
    expect: {
      kind: 'accept',
      reason: 'mfa_exempt',
      mode: 'challenge',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'not in allowed group (rule allow_groups)',
    mode: 'challenge',
    typed: PW,
    policy: { allow_groups: ['vpn'] },
    expect: {
      kind: 'reject',
      reason: 'not_in_allowed_group',
      mode: 'challenge',
      rule: 'allow_groups',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'the matching rule is in the audit (issue 9 item 7)',
    mode: 'challenge',
    typed: PW,
    user: { groups: ['staff'] },
    policy: { rules: [{ name: 'staff-rule', groups: ['staff'] }] },
    expect: {
      kind: 'challenge',
      reason: 'challenge_issued',
      mode: 'challenge',
      rule: 'staff-rule',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'directory unavailable is not counted',
    mode: 'challenge',
    typed: PW,
    primaryFails: 'directory_unavailable',
    expect: {
      kind: 'reject',
      reason: 'directory_unavailable',
      mode: 'challenge',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'locked: nothing is checked',
    mode: 'challenge',
    typed: PW,
    failuresBefore: 5,
    expect: { kind: 'reject', reason: 'user_locked_out', mode: 'challenge', checked: [], failuresAfter: 5 },
  },
  {
    name: 'concat: password and valid code',
    mode: 'concat',
    typed: `${PW}123456`,
    expect: {
      kind: 'accept',
      reason: 'mfa_ok',
      mode: 'concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'concat: wrong code counts a failure',
    mode: 'concat',
    typed: `${PW}999999`,
    expect: {
      kind: 'reject',
      reason: 'bad_code',
      mode: 'concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 1,
    },
  },
  {
    name: 'concat: used code is code_replayed',
    mode: 'concat',
    typed: `${PW}111111`,
    user: { usedCode: '111111' },
    expect: {
      kind: 'reject',
      reason: 'code_replayed',
      mode: 'concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 1,
    },
  },
  {
    name: 'concat: no code',
    mode: 'concat',
    typed: PW,
    expect: {
      kind: 'reject',
      reason: 'missing_code',
      mode: 'concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'concat: exempt user whose password ends in six digits (issue 9 item 4)',
    mode: 'concat',
    typed: 'Svc-pw-202611',
    user: { password: 'Svc-pw-202611', mfaExempt: true },
    expect: {
      kind: 'accept',
      reason: 'mfa_exempt',
      mode: 'concat',
      rule: 'default',
      checked: ['Svc-pw-202611'],
      failuresAfter: 0,
    },
  },
  {
    name: 'concat: exempt by group, password ends in digits',
    mode: 'concat',
    typed: 'Svc-pw-202611',
    user: { password: 'Svc-pw-202611', groups: ['svc'] },
    policy: { rules: [{ name: 'services', groups: ['svc'], mfa: 'exempt' }] },
    expect: {
      kind: 'accept',
      reason: 'mfa_exempt',
      mode: 'concat',
      rule: 'services',
      checked: ['Svc-pw-202611'],
      failuresAfter: 0,
    },
  },
  {
    name: 'concat: unenrolled and allowed, password ends in digits',
    mode: 'concat',
    typed: 'Pw-123456',
    user: { password: 'Pw-123456', enrolled: false },
    policy: { default: { unenrolled: 'allow' } },
    expect: {
      kind: 'accept',
      reason: 'unenrolled_allowed',
      mode: 'concat',
      rule: 'default',
      checked: ['Pw-123456'],
      failuresAfter: 0,
    },
  },
  {
    name: 'concat with delimiter',
    mode: 'concat',
    typed: `${PW},123456`,
    expect: {
      kind: 'accept',
      reason: 'mfa_ok',
      mode: 'concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'auto: valid trailing code → concat',
    mode: 'auto',
    typed: `${PW}123456`,
    expect: {
      kind: 'accept',
      reason: 'mfa_ok',
      mode: 'auto:concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'auto: digits that are no code stay in the password → challenge',
    mode: 'auto',
    typed: 'Pw-987654',
    user: { password: 'Pw-987654' },
    expect: {
      kind: 'challenge',
      reason: 'challenge_issued',
      mode: 'auto:challenge',
      rule: 'default',
      checked: ['Pw-987654'],
      failuresAfter: 0,
    },
  },
  {
    name: 'auto: a replayed code is code_replayed (issue 9 item 5)',
    mode: 'auto',
    typed: `${PW}111111`,
    user: { usedCode: '111111' },
    expect: {
      kind: 'reject',
      reason: 'code_replayed',
      mode: 'auto:concat',
      rule: 'default',
      checked: [PW],
      failuresAfter: 1,
    },
  },
  {
    name: 'auto: no digits → challenge',
    mode: 'auto',
    typed: PW,
    expect: {
      kind: 'challenge',
      reason: 'challenge_issued',
      mode: 'auto:challenge',
      rule: 'default',
      checked: [PW],
      failuresAfter: 0,
    },
  },
  {
    name: 'second factor only: the field is the code',
    mode: 'second_factor_only',
    typed: '123456',
    expect: {
      kind: 'accept',
      reason: 'second_factor_only_ok',
      mode: 'second_factor_only',
      rule: 'default',
      checked: [],
      failuresAfter: 0,
    },
  },
  {
    name: 'second factor only: wrong code',
    mode: 'second_factor_only',
    typed: '000000',
    expect: {
      kind: 'reject',
      reason: 'bad_code',
      mode: 'second_factor_only',
      rule: 'default',
      checked: [],
      failuresAfter: 1,
    },
  },
  {
    name: 'second factor only: empty field → challenge',
    mode: 'second_factor_only',
    typed: '',
    expect: {
      kind: 'challenge',
      reason: 'challenge_issued',
      mode: 'second_factor_only',
      rule: 'default',
      checked: [],
      failuresAfter: 0,
    },
  },
];

describe('AccessPipeline decision table', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const lockout = new MemoryLockout(5);
    if (row.failuresBefore) lockout.failures.set('alice', row.failuresBefore);
    const user: FakeUser = { password: row.user?.password ?? PW, ...row.user };
    const h = harness({
      users: { alice: user },
      lockout,
      ...(row.policy ? { policy: row.policy } : {}),
      ...(row.exemptUsers ? { exemptUsers: row.exemptUsers } : {}),
    });
    if (row.user?.enrolled !== false) h.factor.enrolledIds.add('alice');
    h.factor.valid.set('alice', row.user?.code ?? '123456');
    if (row.user?.usedCode) h.factor.used.set('alice', new Set([row.user.usedCode]));
    h.primary.failWith = row.primaryFails;

    const req = request(row.login ?? 'alice', row.typed, {
      mode: row.mode,
      delimiter: row.typed?.includes(',') ? ',' : '',
    });
    const { decision, audit } = await h.pipeline.handle(req);

    expect({ kind: decision.kind, reason: decision.reason }).toEqual({
      kind: row.expect.kind,
      reason: row.expect.reason,
    });
    expect(audit).toMatchObject({ correlationId: req.correlationId, mode: row.expect.mode });
    expect(audit.rule).toBe(row.expect.rule);
    expect(h.primary.checks.map((c) => c.password)).toEqual(row.expect.checked);
    expect(lockout.failures.get('alice') ?? 0).toBe(row.expect.failuresAfter);
    // Every slot is given back, whatever the outcome.
    expect([...lockout.inFlight.values()].every((n) => n === 0)).toBe(true);
  });
});

describe('AccessPipeline: challenge answers', () => {
  it('the answer carries the first request’s correlation id and rule; a wrong one counts; a State works once', async () => {
    const h = harness({
      users: { alice: { password: PW, groups: ['staff'] } },
      policy: { rules: [{ name: 'staff', groups: ['staff'] }] },
    });
    h.factor.enrolledIds.add('alice');
    h.factor.valid.set('alice', '424242');
    const first = await h.pipeline.handle(request('alice', PW));
    expect(first.decision.kind).toBe('challenge');
    const state = first.decision.kind === 'challenge' ? first.decision.state : Buffer.alloc(0);

    const wrong = await h.pipeline.handle(request('alice', '000000', { state }));
    expect(wrong.decision.reason).toBe('bad_code');
    expect(wrong.audit).toMatchObject({
      correlationId: first.audit.correlationId,
      mode: 'challenge-answer',
      rule: 'staff',
    });
    expect((h.lockout as MemoryLockout).failures.get('alice')).toBe(1);
    // The State was consumed by the wrong answer.
    expect((await h.pipeline.handle(request('alice', '424242', { state }))).decision.reason).toBe(
      'state_unknown',
    );

    const again = await h.pipeline.handle(request('alice', PW));
    const s2 = again.decision.kind === 'challenge' ? again.decision.state : Buffer.alloc(0);
    const ok = await h.pipeline.handle(request('alice', '424242', { state: s2 }));
    expect(ok.decision).toMatchObject({ kind: 'accept', reason: 'mfa_ok' });
    expect(ok.audit.rule).toBe('staff');
  });

  it('an answer from another user is state_mismatch', async () => {
    const h = harness({ users: { alice: { password: PW } } });
    h.factor.enrolledIds.add('alice');
    const first = await h.pipeline.handle(request('alice', PW));
    const state = first.decision.kind === 'challenge' ? first.decision.state : Buffer.alloc(0);
    expect((await h.pipeline.handle(request('mallory', '123456', { state }))).decision.reason).toBe(
      'state_mismatch',
    );
  });

  it('a wrong answer to an upstream challenge counts towards the lockout and gets its reject message (issue 9 item 3)', async () => {
    const lockout = new MemoryLockout(5);
    const h = harness({
      users: { alice: { password: PW, upstreamChallenge: true, upstreamAnswer: '1234' } },
      lockout,
      rejectMessages: { upstream_reject: 'Wrong PIN' },
    });
    h.factor.enrolledIds.add('alice');
    const first = await h.pipeline.handle(request('alice', PW));
    expect(first.decision).toMatchObject({ kind: 'challenge', reason: 'upstream_challenge', prompt: 'PIN?' });
    const state = first.decision.kind === 'challenge' ? first.decision.state : Buffer.alloc(0);
    const wrong = await h.pipeline.handle(request('alice', '9999', { state }));
    expect(wrong.decision).toMatchObject({
      kind: 'reject',
      reason: 'upstream_reject',
      replyMessage: 'Wrong PIN',
    });
    expect(lockout.failures.get('alice')).toBe(1);
    // The upstream was asked with the answer, as the one check of that request.
    expect(h.primary.checks.map((c) => c.password)).toEqual([PW, '9999']);

    const again = await h.pipeline.handle(request('alice', PW));
    const s2 = again.decision.kind === 'challenge' ? again.decision.state : Buffer.alloc(0);
    const right = await h.pipeline.handle(request('alice', '1234', { state: s2 }));
    // Through the upstream's question, then our own code.
    expect(right.decision).toMatchObject({ kind: 'challenge', reason: 'challenge_issued' });
  });

  it('a locked user’s upstream answer is refused without asking the upstream', async () => {
    const lockout = new MemoryLockout(1);
    const h = harness({
      users: { alice: { password: PW, upstreamChallenge: true, upstreamAnswer: '1234' } },
      lockout,
    });
    const first = await h.pipeline.handle(request('alice', PW));
    const state = first.decision.kind === 'challenge' ? first.decision.state : Buffer.alloc(0);
    lockout.failures.set('alice', 1);
    expect((await h.pipeline.handle(request('alice', '1234', { state }))).decision.reason).toBe(
      'user_locked_out',
    );
    expect(h.primary.checks).toHaveLength(1);
  });
});

describe('AccessPipeline: the lockout holds against simultaneous attempts (issue 9 item 1)', () => {
  it('300 simultaneous wrong passwords get exactly max_failures checks; another user is not held up', async () => {
    const lockout = new MemoryLockout(5);
    const h = harness({ users: { alice: { password: PW }, bob: { password: 'bob-pw' } }, lockout });
    h.factor.enrolledIds.add('bob');
    let release!: () => void;
    h.primary.hold = new Promise((r) => {
      release = r;
    });
    const burst = Array.from({ length: 300 }, (_, i) => h.pipeline.handle(request('alice', `wrong-${i}`)));
    // While alice's five checks are held, the other 295 are already answered: locked out, no check.
    await new Promise((r) => setImmediate(r));
    expect(h.primary.checks.filter((c) => c.user === 'alice')).toHaveLength(5);
    const bob = h.pipeline.handle(request('bob', 'bob-pw'));
    await new Promise((r) => setImmediate(r));
    expect(h.primary.checks.filter((c) => c.user === 'bob')).toHaveLength(1);
    release();
    const results = await Promise.all(burst);
    const reasons = results.map((r) => r.decision.reason);
    expect(reasons.filter((r) => r === 'bad_password')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'user_locked_out')).toHaveLength(295);
    expect((await bob).decision.reason).toBe('challenge_issued');
    expect(lockout.failures.get('alice')).toBe(5);
  });
});

describe('AccessPipeline: failmode when the factor’s service is down (issue 10 item 7)', () => {
  it('secure rejects with the factor’s reason; safe accepts on the password as failmode_safe; a group’s setting wins', async () => {
    const h = harness({
      users: { alice: { password: PW }, svc: { password: PW, groups: ['ops'] } },
      policy: { rules: [{ name: 'ops', groups: ['ops'], failmode: 'secure' }] },
    });
    h.factor.enrolledIds.add('alice');
    h.factor.enrolledIds.add('svc');
    h.factor.unavailable = 'sms_send_failed';
    expect((await h.pipeline.handle(request('alice', PW))).decision.reason).toBe('sms_send_failed');
    const safe = await h.pipeline.handle(request('alice', PW, { failmode: 'safe' }));
    expect(safe.decision).toMatchObject({ kind: 'accept', reason: 'failmode_safe' });
    // The group rule says secure: the client's safe does not apply.
    expect((await h.pipeline.handle(request('svc', PW, { failmode: 'safe' }))).decision.reason).toBe(
      'sms_send_failed',
    );
    // A budget is no outage: never let in by failmode.
    h.factor.unavailable = 'sms_budget_exceeded';
    expect((await h.pipeline.handle(request('alice', PW, { failmode: 'safe' }))).decision.reason).toBe(
      'sms_budget_exceeded',
    );
  });
});

describe('AccessPipeline: the auth-result cache (issue 10 item 8)', () => {
  const cache = () => {
    const h = harness({
      users: { alice: { password: PW } },
      authCache: new MemoryAuthCache(clockFor(), rngFor()),
    });
    h.factor.enrolledIds.add('alice');
    h.factor.valid.set('alice', '123456');
    return h;
  };
  let t = 1_700_000_000_000;
  const clockFor = () => ({ now: () => t });
  const rngFor = () => ({ bytes: (n: number) => Buffer.alloc(n, 7) });

  it('a full MFA login is remembered for auth_cache_sec: same password, client and device pass without a code', async () => {
    const h = cache();
    const opts = { mode: 'concat' as const, authCacheSec: 60, callingStationId: '10.1.2.3' };
    expect((await h.pipeline.handle(request('alice', `${PW}123456`, opts))).decision.reason).toBe('mfa_ok');
    const again = await h.pipeline.handle(request('alice', PW, opts));
    expect(again.decision).toMatchObject({ kind: 'accept', reason: 'auth_cache' });
    // Another device, or the cache off for this client: a code is needed again.
    expect(
      (await h.pipeline.handle(request('alice', PW, { ...opts, callingStationId: '10.9.9.9' }))).decision
        .reason,
    ).toBe('missing_code');
    expect(
      (await h.pipeline.handle(request('alice', PW, { ...opts, authCacheSec: 0 }))).decision.reason,
    ).toBe('missing_code');
    // Outside the window.
    t += 61_000;
    expect((await h.pipeline.handle(request('alice', PW, opts))).decision.reason).toBe('missing_code');
  });

  it('a wrong password forgets the remembered login; the password check still runs on a hit', async () => {
    const h = cache();
    const opts = { mode: 'concat' as const, authCacheSec: 600 };
    expect((await h.pipeline.handle(request('alice', `${PW}123456`, opts))).decision.reason).toBe('mfa_ok');
    const checks = h.primary.checks.length;
    expect((await h.pipeline.handle(request('alice', PW, opts))).decision.reason).toBe('auth_cache');
    expect(h.primary.checks.length).toBe(checks + 1);
    expect((await h.pipeline.handle(request('alice', 'wrong', opts))).decision.reason).toBe('bad_password');
    expect((await h.pipeline.handle(request('alice', PW, opts))).decision.reason).toBe('missing_code');
  });

  it('a login by challenge is remembered once its code passed', async () => {
    const h = cache();
    const opts = { mode: 'challenge' as const, authCacheSec: 600 };
    const first = await h.pipeline.handle(request('alice', PW, opts));
    const state = first.decision.kind === 'challenge' ? first.decision.state : Buffer.alloc(0);
    // Not before the code passed.
    expect((await h.pipeline.handle(request('alice', PW, opts))).decision.kind).toBe('challenge');
    expect((await h.pipeline.handle(request('alice', '123456', { ...opts, state }))).decision.reason).toBe(
      'mfa_ok',
    );
    expect((await h.pipeline.handle(request('alice', PW, opts))).decision.reason).toBe('auth_cache');
  });
});

describe('AccessPipeline: several methods and a choice (issue 10 item 2)', () => {
  const two = (
    o: { policy?: PolicyConfigInput; defaults?: Record<string, string>; smsOnly?: boolean } = {},
  ) => {
    const sms = new FakeFactor('sms');
    const h = harness({
      users: { alice: { password: PW } },
      second: sms,
      ...(o.policy ? { policy: o.policy } : {}),
      ...(o.defaults ? { defaults: o.defaults } : {}),
    });
    if (!o.smsOnly) h.factor.enrolledIds.add('alice');
    h.factor.valid.set('alice', '123456');
    sms.enrolledIds.add('alice');
    sms.valid.set('alice', '654321');
    return { h, sms };
  };
  const stateOf = (d: { kind: string; state?: Buffer }) =>
    d.kind === 'challenge' ? d.state! : Buffer.alloc(0);

  it('the app first; the prompt offers the others; typing their keyword switches; its code lets in', async () => {
    const { h, sms } = two();
    const first = await h.pipeline.handle(request('alice', PW));
    expect(first.decision).toMatchObject({ kind: 'challenge', prompt: 'Code? (or type sms)' });
    const switched = await h.pipeline.handle(request('alice', 'SMS', { state: stateOf(first.decision) }));
    expect(switched.decision.kind).toBe('challenge');
    // Back to the app is offered in turn.
    expect((switched.decision as { prompt: string }).prompt).toContain('or type app');
    expect(sms.verified).toEqual([]);
    const done = await h.pipeline.handle(request('alice', '654321', { state: stateOf(switched.decision) }));
    expect(done.decision).toMatchObject({ kind: 'accept', reason: 'mfa_ok' });
    expect(sms.verified).toEqual(['654321']);
  });

  it('policy decides the order (sms first for this group) and the client filters (no sms here)', async () => {
    const { h } = two({ policy: { default: { methods: ['sms', 'totp'] } } });
    const viaPolicy = await h.pipeline.handle(request('alice', PW));
    expect((viaPolicy.decision as { prompt: string }).prompt).toBe(' (or type app)');
    const onlyApp = await h.pipeline.handle(request('alice', PW, { methods: ['totp'] }));
    expect(onlyApp.decision).toMatchObject({ kind: 'challenge', prompt: 'Code?' });
  });

  it('the user’s own default goes first', async () => {
    const { h } = two({ defaults: { alice: 'sms' } });
    const d = await h.pipeline.handle(request('alice', PW));
    expect((d.decision as { prompt: string }).prompt).toBe(' (or type app)');
  });

  it('a keyword after the password in one field (Secret,sms) checks the password once and starts that method', async () => {
    const { h } = two();
    const d = await h.pipeline.handle(request('alice', `${PW},sms`, { mode: 'concat' }));
    expect(h.primary.checks.map((c) => c.password)).toEqual([PW]);
    expect(d.decision.kind).toBe('challenge');
    expect(d.audit.mode).toBe('concat:sms');
  });

  it('enrolled, but no method this client allows: method_not_allowed, never unenrolled_allowed', async () => {
    const { h } = two({ smsOnly: true, policy: { default: { unenrolled: 'allow' } } });
    const d = await h.pipeline.handle(request('alice', PW, { methods: ['totp'] }));
    expect(d.decision).toMatchObject({ kind: 'reject', reason: 'method_not_allowed' });
  });
});
