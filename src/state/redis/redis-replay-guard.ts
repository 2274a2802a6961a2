import type { ReplayGuardPort } from '../../pipeline/ports.js';
import type { LuaScript, RedisState } from '../redis-client.js';

/**
 * The TOTP replay guard on Redis: the first claim of a token's time step wins on every node (a
 * code used at node A is refused at node B). An atomic compare-and-set of the last used step in
 * one Lua script, one round trip; the same rule as TokenRepo.claimStep's UPDATE (only a step
 * later than the last one wins). The key lives `ttlMs` after the last claim: a code is accepted
 * only within a few steps of now (RFC 6238 §5.2), so a day is ample and deleted tokens leave nothing
 * behind for long.
 *
 * Token ids must name the same token on every node: a shared store (PostgreSQL, issue 13 item 2).
 * Redis unreachable: rejects with MFA_ERR_SHARED_STATE (the code is refused).
 */
const CLAIM: LuaScript = {
  name: 'mfaClaimStep',
  keys: 1,
  lua: `
local last = tonumber(redis.call('GET', KEYS[1]))
local step = tonumber(ARGV[1])
if last ~= nil and last >= step then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
};

export class RedisReplayGuard implements ReplayGuardPort {
  constructor(
    private readonly redis: RedisState,
    private readonly ttlMs = 86_400_000,
  ) {}

  async claim(tokenId: number, step: number): Promise<boolean> {
    if (!Number.isSafeInteger(tokenId) || !Number.isSafeInteger(step)) return false;
    const won = await this.redis.script(
      'totp.claim',
      CLAIM,
      [this.redis.key('step', String(tokenId))],
      [step, this.ttlMs],
    );
    return won === 1;
  }
}
