import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOCKOUT } from '../../../src/factors/lockout.js';
import { TotpFactor } from '../../../src/factors/totp.js';
import { AccessPipeline } from '../../../src/pipeline/access-pipeline.js';
import { FactorRegistry } from '../../../src/pipeline/factor-registry.js';
import { GroupPolicy } from '../../../src/policy/group-policy.js';
import { policySchema } from '../../../src/policy/policy-schema.js';
import { cryptoRng, ManualClock } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import type { RedisState } from '../../../src/state/redis-client.js';
import { RedisAuthCache } from '../../../src/state/redis/redis-auth-cache.js';
import { RedisChallengeStore } from '../../../src/state/redis/redis-challenge-store.js';
import { RedisLockout } from '../../../src/state/redis/redis-lockout.js';
import { RedisReplayGuard } from '../../../src/state/redis/redis-replay-guard.js';
import { Store } from '../../../src/store/store.js';
import { FakePrimary, request } from '../../helpers/pipeline-fakes.js';
import { redisNodes, whenReady } from './redis-nodes.js';

/**
 * The pipeline itself on the Redis ports, as two nodes: each node its own RedisState (connection),
 * its own lockout, challenge, replay and cache adapters; one SQLite store stands in for the shared
 * durable store (PostgreSQL, issue 13 item 2) so that token ids agree. The directory is a fake.
 * Round trips are measured here, per login type.
 */
const env = redisNodes();
const root = mkdtempSync(join(tmpdir(), 'rpipe-'));
const stores: Store[] = [];
const T = 1_700_000_000; // seconds
let n = 0;
afterAll(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

const PW = 'Secret-pw';

async function pair() {
  const { a, b } = await env.nodes(`pl${n++}`);
  const store = Store.open(join(root, `d${n++}`));
  stores.push(store);
  const secret = randomBytes(20);
  store.tokens.add('alice', { secret });
  const clock = new ManualClock(T * 1000);
  const primary = new FakePrimary({ alice: { password: PW } });
  const node = (r: RedisState) =>
    new AccessPipeline({
      primary,
      factors: new FactorRegistry([
        new TotpFactor({
          tokens: store.tokens,
          replay: new RedisReplayGuard(r),
          clock,
          options: { digits: 6, period: 30, window: 1 },
        }),
      ]),
      lockout: new RedisLockout({ redis: r, clock, options: DEFAULT_LOCKOUT }),
      policy: new GroupPolicy(policySchema.parse({}), { exemptUsers: [] }),
      challenges: new RedisChallengeStore(r, clock, cryptoRng),
      authCache: new RedisAuthCache(r, clock, cryptoRng),
      options: { challengeTimeoutSec: 120, challengePrompt: 'Code?' },
    });
  const code = (at = T) =>
    execFileSync('oathtool', ['--totp', '-d', '6', secret.toString('hex'), '--now', `@${at}`], {
      encoding: 'utf8',
    }).trim();
  /** Round trips both nodes made while `fn` ran (settled: a slot's release is sent after the reply). */
  const trips = async (fn: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = [a, b].map((s) => new Map(s.roundTrips.byOp));
    await fn();
    await new Promise((r) => setImmediate(r));
    // PING (not counted: straight on the client) answers after any fire-and-forget release.
    await Promise.all([a, b].map((s) => s.client.ping()));
    const out: Record<string, number> = {};
    [a, b].forEach((s, i) => {
      for (const [op, c] of s.roundTrips.byOp) {
        const d = c - (before[i]!.get(op) ?? 0);
        if (d > 0) out[op] = (out[op] ?? 0) + d;
      }
    });
    return out;
  };
  return { A: node(a), B: node(b), a, b, primary, clock, code, trips };
}

const total = (t: Record<string, number>) => Object.values(t).reduce((x, y) => x + y, 0);

describe('the pipeline on the Redis ports, two nodes', () => {
  it('challenge mode: the State issued by A is answered at B; the same code is then refused at A as replayed', async () => {
    const { A, B, code, trips } = await pair();
    let state: Buffer = Buffer.alloc(0);
    const first = await trips(async () => {
      const d = (await A.handle(request('alice', PW))).decision;
      expect(d.kind).toBe('challenge');
      if (d.kind === 'challenge') state = d.state;
    });
    const answer = await trips(async () => {
      const d = (await B.handle(request('alice', code(), { state }))).decision;
      expect(d).toMatchObject({ kind: 'accept' });
    });
    const again = (await A.handle(request('alice', PW))).decision;
    const s2 = again.kind === 'challenge' ? again.state : Buffer.alloc(0);
    expect((await A.handle(request('alice', code(), { state: s2 }))).decision).toMatchObject({
      kind: 'reject',
      reason: 'code_replayed',
    });
    // Figures for the README (measured): the password step and the answer step.
    expect(first).toEqual({ 'lockout.acquire': 1, 'lockout.release': 1, 'challenge.issue': 1 });
    expect(answer).toEqual({
      'challenge.take': 1,
      'lockout.acquire': 1,
      'totp.claim': 1,
      'lockout.success': 1,
      'lockout.release': 1,
    });
    expect(total(first) + total(answer)).toBe(8);
  });

  it('concat mode: one request, password and code together; round trips measured', async () => {
    const { B, code, trips } = await pair();
    const t = await trips(async () => {
      const d = (await B.handle(request('alice', `${PW}${code()}`, { mode: 'concat' }))).decision;
      expect(d).toMatchObject({ kind: 'accept' });
    });
    expect(t).toEqual({ 'lockout.acquire': 1, 'totp.claim': 1, 'lockout.success': 1, 'lockout.release': 1 });
  });

  it('a wrong password: round trips measured', async () => {
    const { A, trips } = await pair();
    const t = await trips(async () => {
      expect((await A.handle(request('alice', 'nope'))).decision).toMatchObject({ reason: 'bad_password' });
    });
    expect(t).toEqual({
      'lockout.acquire': 1,
      'lockout.failure': 1,
      'authcache.forget': 1,
      'lockout.release': 1,
    });
  });

  it('a spray of 300 simultaneous wrong passwords split across A and B reaches the directory max_failures times', async () => {
    const { A, B, primary } = await pair();
    let open!: () => void;
    primary.hold = new Promise<void>((r) => {
      open = r;
    });
    let done = 0;
    const all = Array.from({ length: 300 }, (_, i) =>
      (i % 2 ? A : B).handle(request('alice', `guess-${i}`)).finally(() => done++),
    );
    // The directory holds every check it got: release it once each request is either held there
    // or refused already.
    while (done + primary.checks.length < 300) await new Promise((r) => setImmediate(r));
    open();
    const reasons = (await Promise.all(all)).map((o) => o.decision.reason);
    expect(primary.checks).toHaveLength(DEFAULT_LOCKOUT.maxFailures);
    expect(reasons.filter((r) => r === 'bad_password')).toHaveLength(DEFAULT_LOCKOUT.maxFailures);
    expect(reasons.filter((r) => r === 'user_locked_out')).toHaveLength(300 - DEFAULT_LOCKOUT.maxFailures);
    expect((await A.handle(request('alice', PW))).decision).toMatchObject({ reason: 'user_locked_out' });
  });

  it('Redis stopped: a login fails with MFA_ERR_SHARED_STATE (the server answers internal_error), nothing reaches the directory; logins work again once Redis is back', async () => {
    const { A, a, b, primary, code } = await pair();
    await env.server().kill();
    await expect(A.handle(request('alice', PW))).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    expect(primary.checks).toHaveLength(0);
    await env.server().restart();
    await Promise.all([whenReady(a), whenReady(b)]);
    const d = (await A.handle(request('alice', `${PW}${code()}`, { mode: 'concat' }))).decision;
    expect(d).toMatchObject({ kind: 'accept' });
  });
});
