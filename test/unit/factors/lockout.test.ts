import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT, LockoutPolicy, type LockoutOptions } from '../../../src/factors/lockout.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { Store } from '../../../src/store/store.js';

const root = mkdtempSync(join(tmpdir(), 'lockout-'));
let n = 0;
const stores: Store[] = [];
const T0 = 1_700_000_000_000;

afterAll(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

function setup(options: LockoutOptions = DEFAULT_LOCKOUT) {
  const dir = join(root, `d${n++}`);
  const store = Store.open(dir);
  stores.push(store);
  const clock = new ManualClock(T0);
  const locked: Array<[string, number]> = [];
  const policy = new LockoutPolicy({
    repo: store.lockouts,
    clock,
    options,
    onLocked: (id, until) => locked.push([id, until]),
  });
  return { dir, store, clock, policy, locked };
}

describe('LockoutPolicy', () => {
  it('the defaults are 5 failures in 5 minutes for a 15-minute lock', () => {
    expect(DEFAULT_LOCKOUT).toEqual({ maxFailures: 5, windowSec: 300, lockSec: 900 });
  });

  it('locks on the 5th failure within the window, not on the 4th, and reports it once', () => {
    const { clock, policy, locked } = setup();
    for (let i = 1; i <= 4; i++) {
      expect(policy.registerFailure('alice')).toEqual({ locked: false });
      clock.advance(10_000);
    }
    expect(policy.status('alice')).toEqual({ locked: false });
    expect(locked).toEqual([]);
    const until = clock.now() + 900_000;
    expect(policy.registerFailure('alice')).toEqual({ locked: true, until });
    expect(policy.status('ALICE')).toEqual({ locked: true, until });
    expect(locked).toEqual([['alice', until]]);
    // Failures during the lock neither extend it nor report it again.
    clock.advance(60_000);
    expect(policy.registerFailure('alice')).toEqual({ locked: true, until });
    expect(locked).toHaveLength(1);
    expect(policy.status('bob')).toEqual({ locked: false });
  });

  it('failures older than the window do not count', () => {
    const { clock, policy } = setup();
    for (let i = 0; i < 4; i++) policy.registerFailure('alice');
    clock.advance(300_000); // the four are now exactly one window old: out
    expect(policy.registerFailure('alice').locked).toBe(false);
    for (let i = 0; i < 3; i++) expect(policy.registerFailure('alice').locked).toBe(false);
    expect(policy.registerFailure('alice').locked).toBe(true);
  });

  it('the lock expires after lockSec, and counting starts afresh', () => {
    const { clock, policy } = setup();
    for (let i = 0; i < 5; i++) policy.registerFailure('alice');
    clock.advance(900_000 - 1);
    expect(policy.status('alice').locked).toBe(true);
    clock.advance(1);
    expect(policy.status('alice')).toEqual({ locked: false });
    expect(policy.listLocked()).toEqual([]);
    expect(policy.registerFailure('alice').locked).toBe(false);
  });

  it('a success clears the failures', () => {
    const { policy } = setup();
    for (let i = 0; i < 4; i++) policy.registerFailure('alice');
    policy.registerSuccess('Alice');
    for (let i = 0; i < 4; i++) expect(policy.registerFailure('alice').locked).toBe(false);
    expect(policy.registerFailure('alice').locked).toBe(true);
  });

  it('honours configured limits', () => {
    const { clock, policy } = setup({ maxFailures: 2, windowSec: 10, lockSec: 60 });
    policy.registerFailure('alice');
    clock.advance(10_000);
    expect(policy.registerFailure('alice').locked).toBe(false);
    clock.advance(9_999);
    expect(policy.registerFailure('alice')).toEqual({ locked: true, until: clock.now() + 60_000 });
  });

  it('is visible to, and cleared by, a second Store on the same data dir (the CLI)', () => {
    const { dir, clock, policy } = setup();
    for (let i = 0; i < 5; i++) policy.registerFailure('Alice');
    const cli = Store.open(dir);
    stores.push(cli);
    const cliPolicy = new LockoutPolicy({ repo: cli.lockouts, clock, options: DEFAULT_LOCKOUT });
    expect(cliPolicy.listLocked()).toEqual([{ identityId: 'alice', until: T0 + 900_000, failures: 5 }]);
    expect(cliPolicy.status('alice').locked).toBe(true);
    cliPolicy.unlock('ALICE');
    expect(policy.status('alice')).toEqual({ locked: false });
    expect(policy.listLocked()).toEqual([]);
    // The unlock also forgot the failures: the user gets the full allowance again.
    for (let i = 0; i < 4; i++) expect(policy.registerFailure('alice').locked).toBe(false);
  });

  it('keeps one window of failure rows at most (old rows are pruned)', () => {
    const { dir, clock, policy } = setup();
    for (let i = 0; i < 200; i++) {
      policy.registerFailure(`user${i}`);
      clock.advance(30_000);
    }
    const raw = new SQLite(join(dir, 'mfa.db'), { readonly: true });
    const { c } = raw.prepare('SELECT count(*) AS c FROM auth_failures').get() as { c: number };
    raw.close();
    expect(c).toBeLessThanOrEqual(300 / 30 + 1);
  });
});
