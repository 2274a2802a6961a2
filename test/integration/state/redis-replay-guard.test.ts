import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayGuardPort } from '../../../src/pipeline/ports.js';
import { TotpFactor } from '../../../src/factors/totp.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import { RedisReplayGuard } from '../../../src/state/redis/redis-replay-guard.js';
import { Store } from '../../../src/store/store.js';
import { redisNodes, whenReady } from './redis-nodes.js';

const env = redisNodes();
const root = mkdtempSync(join(tmpdir(), 'replay-'));
const stores: Store[] = [];
let n = 0;
afterAll(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

/** The same table for the store's UPDATE (the embedded default) and the Redis compare-and-set. */
const impls: Array<[string, () => Promise<{ a: ReplayGuardPort; b: ReplayGuardPort; token: number }>]> = [
  [
    'sqlite',
    async () => {
      const store = Store.open(join(root, `d${n++}`));
      stores.push(store);
      const token = store.tokens.add('alice', { secret: randomBytes(20) }).id;
      const g: ReplayGuardPort = { claim: async (id, step) => store.tokens.claimStep(id, step) };
      return { a: g, b: g, token };
    },
  ],
  [
    'redis',
    async () => {
      const { a, b } = await env.nodes(`rp${n++}`);
      return { a: new RedisReplayGuard(a), b: new RedisReplayGuard(b), token: 7 };
    },
  ],
];

describe.each(impls)('ReplayGuardPort (%s)', (_name, make) => {
  it('a step is claimed once; an earlier step after it is refused; a later one wins', async () => {
    const { a, b, token } = await make();
    expect(await a.claim(token, 1000)).toBe(true);
    expect(await b.claim(token, 1000)).toBe(false);
    expect(await a.claim(token, 999)).toBe(false);
    expect(await b.claim(token, 1001)).toBe(true);
    expect(await a.claim(token, 1001)).toBe(false);
  });

  it('of 40 simultaneous claims of one step split across both, exactly one wins', async () => {
    const { a, b, token } = await make();
    const won = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claim(token, 5000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });
});

describe('RedisReplayGuard', () => {
  it('a TOTP code (oathtool) accepted by the TOTP factor at node A is refused as replayed at node B', async () => {
    const { a, b } = await env.nodes(`rp${n++}`);
    // One durable store for both (as PostgreSQL will be), so the token id names the same token.
    const store = Store.open(join(root, `d${n++}`));
    stores.push(store);
    const secret = randomBytes(20);
    store.tokens.add('alice', { secret });
    const T = 1_700_000_000;
    const clock = new ManualClock(T * 1000);
    const node = (r: typeof a) =>
      new TotpFactor({
        tokens: store.tokens,
        replay: new RedisReplayGuard(r),
        clock,
        options: { digits: 6, period: 30, window: 1 },
      });
    const code = execFileSync('oathtool', ['--totp', '-d', '6', secret.toString('hex'), '--now', `@${T}`], {
      encoding: 'utf8',
    }).trim();
    expect((await node(a).verify('alice', code)).kind).toBe('ok');
    expect((await node(b).verify('alice', code)).kind).toBe('replayed');
  });

  it('tokens are independent; one round trip per claim; the key expires after ttlMs', async () => {
    const { a, b } = await env.nodes(`rp${n++}`);
    const ga = new RedisReplayGuard(a, 60_000);
    expect(await ga.claim(1, 10)).toBe(true);
    expect(await new RedisReplayGuard(b).claim(2, 10)).toBe(true);
    expect(a.roundTrips.byOp.get('totp.claim')).toBe(1);
    const ttl = await a.client.pttl(`${a.prefix}step:1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('Redis stopped: a claim rejects with MFA_ERR_SHARED_STATE (the code is refused), and works once Redis is back', async () => {
    const { a } = await env.nodes(`rp${n++}`);
    const g = new RedisReplayGuard(a);
    await env.server().kill();
    await expect(g.claim(1, 10)).rejects.toMatchObject({ code: ErrorCodes.SHARED_STATE });
    await env.server().restart();
    await whenReady(a);
    // The script cache was lost with the restart: EVALSHA falls back to EVAL by itself.
    expect(await g.claim(1, 10)).toBe(true);
    expect(await g.claim(1, 10)).toBe(false);
  });
});
