import { describe, expect, it } from 'vitest';
import type { EnrolmentPort } from '../../../src/pipeline/ports.js';
import { harness, MemoryLockout, request } from '../../helpers/pipeline-fakes.js';

/** `unenrolled: enroll` (issue 11 item 2): a reject naming the portal, and a window for a first enrolment. */
const PW = 'Secret-pw';

function setup(policy: object) {
  const opened: string[] = [];
  const enrolment: EnrolmentPort = {
    openWindow: async (id) => {
      opened.push(id);
    },
    replyMessage: 'Enrol a second factor at https://mfa.example.com/portal/',
  };
  const lockout = new MemoryLockout();
  const h = harness({
    users: { alice: { password: PW }, bob: { password: PW } },
    policy,
    enrolment,
    lockout,
  });
  h.factor.enrolledIds.add('bob');
  return { h, opened, lockout };
}

describe('unenrolled: enroll', () => {
  it('a user with no method and the right password: enrolment_required, the portal in the Reply-Message, a window', async () => {
    const { h, opened, lockout } = setup({ default: { unenrolled: 'enroll' } });
    lockout.failures.set('alice', 2);
    const out = await h.pipeline.handle(request('alice', PW));
    expect(out.decision).toEqual({
      kind: 'reject',
      reason: 'enrolment_required',
      identityId: 'alice',
      replyMessage: 'Enrol a second factor at https://mfa.example.com/portal/',
    });
    expect(opened).toEqual(['alice']);
    // The password was right: earlier failures are forgotten, as after any verified password.
    expect(lockout.failures.get('alice')).toBeUndefined();
  });

  it('a wrong password opens no window and counts a failure', async () => {
    const { h, opened, lockout } = setup({ default: { unenrolled: 'enroll' } });
    const out = await h.pipeline.handle(request('alice', 'wrong'));
    expect(out.decision).toMatchObject({ kind: 'reject', reason: 'bad_password' });
    expect(opened).toEqual([]);
    expect(lockout.failures.get('alice')).toBe(1);
  });

  it('an enrolled user is asked for the code as before', async () => {
    const { h, opened } = setup({ default: { unenrolled: 'enroll' } });
    const out = await h.pipeline.handle(request('bob', PW));
    expect(out.decision.kind).toBe('challenge');
    expect(opened).toEqual([]);
  });

  it('a group rule with reject is not_enrolled, no window', async () => {
    const { h, opened } = setup({ default: { unenrolled: 'reject' } });
    const out = await h.pipeline.handle(request('alice', PW));
    expect(out.decision).toMatchObject({ kind: 'reject', reason: 'not_enrolled' });
    expect(out.decision).not.toHaveProperty('replyMessage');
    expect(opened).toEqual([]);
  });
});
