import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { cryptoRng, ManualClock } from '../../../src/shared/clock.js';
import { ChallengeStore } from '../../../src/state/challenge-store.js';
import { RedisChallengeStore } from '../../../src/state/redis/redis-challenge-store.js';
import type { ChallengePort } from '../../../src/pipeline/ports.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
const T0 = 1_700_000_000_000;
let n = 0;

const challenge = {
  clientName: 'vpn',
  userName: 'Alice',
  identityId: 'alice',
  correlationId: 'c1',
  attributes: [
    { name: 'Class', value: Buffer.from([0, 1, 2, 255]) },
    { name: 'Session-Timeout', value: 3600 },
  ],
  kind: 'upstream',
  upstreamState: Buffer.from('upstream-state'),
  factorData: { digest: 'abc', until: 5 },
};

/** The same behaviour table for the memory store and the Redis store (both behind ChallengePort). */
const impls: Array<[string, () => Promise<{ a: ChallengePort; b: ChallengePort; clock: ManualClock }>]> = [
  [
    'memory',
    async () => {
      const clock = new ManualClock(T0);
      const s = new ChallengeStore(clock, cryptoRng);
      return { a: s, b: s, clock };
    },
  ],
  [
    'redis',
    async () => {
      const clock = new ManualClock(T0);
      const { a, b } = await env.nodes(`ch${n++}`);
      return {
        a: new RedisChallengeStore(a, clock, cryptoRng),
        b: new RedisChallengeStore(b, clock, cryptoRng),
        clock,
      };
    },
  ],
];

describe.each(impls)('ChallengePort (%s)', (_name, make) => {
  it('a State is taken once, with everything kept (Buffers included), by the same client and user in any case', async () => {
    const { a, b } = await make();
    const issued = await a.issue(challenge, 60_000);
    expect(issued?.state).toHaveLength(18);
    expect(issued?.expiresAt).toBe(T0 + 60_000);
    const got = await b.take(issued!.state, 'vpn', 'ALICE');
    expect(got).toEqual({ kind: 'ok', challenge: { ...challenge, expiresAt: T0 + 60_000 } });
    expect(await b.take(issued!.state, 'vpn', 'alice')).toEqual({ kind: 'unknown' });
    expect(await a.take(issued!.state, 'vpn', 'alice')).toEqual({ kind: 'unknown' });
  });

  it('an unknown State is unknown; an expired one is expired (by the injected clock) and consumed', async () => {
    const { a, b, clock } = await make();
    expect(await a.take(Buffer.alloc(18, 7), 'vpn', 'alice')).toEqual({ kind: 'unknown' });
    const issued = await a.issue(challenge, 1_000);
    clock.advance(1_000);
    expect((await b.take(issued!.state, 'vpn', 'alice')).kind).toBe('expired');
    expect((await b.take(issued!.state, 'vpn', 'alice')).kind).toBe('unknown');
  });

  it('another client or another user is a mismatch, and the State is gone even so', async () => {
    const { a, b } = await make();
    const one = await a.issue(challenge, 60_000);
    expect((await b.take(one!.state, 'other-gw', 'alice')).kind).toBe('mismatch');
    expect((await a.take(one!.state, 'vpn', 'alice')).kind).toBe('unknown');
    const two = await a.issue(challenge, 60_000);
    expect((await b.take(two!.state, 'vpn', 'mallory')).kind).toBe('mismatch');
    expect((await b.take(two!.state, 'vpn', 'alice')).kind).toBe('unknown');
  });

  it('of 50 simultaneous takes of one State split across both, exactly one gets it', async () => {
    const { a, b } = await make();
    const issued = await a.issue(challenge, 60_000);
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).take(issued!.state, 'vpn', 'alice')),
    );
    expect(all.filter((r) => r.kind === 'ok')).toHaveLength(1);
    expect(all.filter((r) => r.kind === 'unknown')).toHaveLength(49);
  });
});

describe('RedisChallengeStore across nodes and outages', () => {
  it('one round trip per issue and per take; Redis keeps the State only a second past its ttl', async () => {
    const { a, b } = await env.nodes(`ch${n++}`);
    const sa = new RedisChallengeStore(a, new ManualClock(T0), cryptoRng);
    const issued = await sa.issue(challenge, 2_000);
    const key = `${b.prefix}ch:${createHash('sha256').update(issued!.state).digest('base64url')}`;
    expect(await b.client.keys(`${b.prefix}*`)).toEqual([key]); // a digest: the State is not in Redis
    const ttl = await b.client.pttl(key);
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
    await new RedisChallengeStore(b, new ManualClock(T0), cryptoRng).take(issued!.state, 'vpn', 'alice');
    expect(a.roundTrips.byOp.get('challenge.issue')).toBe(1);
    expect(b.roundTrips.byOp.get('challenge.take')).toBe(1);
  });

  it('a value in the key that is no challenge of ours is unknown, not a crash', async () => {
    const { a } = await env.nodes(`ch${n++}`);
    const s = new RedisChallengeStore(a, new ManualClock(T0), cryptoRng);
    const state = Buffer.alloc(18, 1);
    await a.client.set(`${a.prefix}ch:${createHash('sha256').update(state).digest('base64url')}`, 'not json');
    expect(await s.take(state, 'vpn', 'alice')).toEqual({ kind: 'unknown' });
  });

  it('Redis stopped: issue and take reject with MFA_ERR_SHARED_STATE (no crash); it works again once Redis is back', async () => {
    const { a, b } = await env.nodes(`ch${n++}`);
    const clock = new ManualClock(T0);
    const sa = new RedisChallengeStore(a, clock, cryptoRng);
    const sb = new RedisChallengeStore(b, clock, cryptoRng);
    await env.server().kill();
    await expect(sa.issue(challenge, 60_000)).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await expect(sb.take(Buffer.alloc(18), 'vpn', 'alice')).rejects.toMatchObject({
      code: ErrorCodes.SHARED_STATE,
    });
    await env.server().restart();
    await Promise.all([whenReady(a), whenReady(b)]);
    const issued = await sa.issue(challenge, 60_000);
    expect((await sb.take(issued!.state, 'vpn', 'alice')).kind).toBe('ok');
  });
});
