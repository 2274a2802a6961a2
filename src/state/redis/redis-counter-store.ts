import type { CounterOutcome, CounterSpec, CounterStore } from '../../sms/budget-counters.js';
import type { LuaScript, RedisState } from '../redis-client.js';

/**
 * The SMS budget counters on Redis, shared by every node, so the toll-fraud budgets (per user,
 * client, country and total) hold for the pair and not per box. The CounterStore contract in one
 * Lua script per call: every counter is checked, then all are incremented (`INCR` + `PEXPIRE … NX`
 * to the window's end) or none. A counter's key names its window start, so a new window is a new
 * key; the TTL (relative: the nodes' clock and Redis's may differ) only bounds memory.
 * `PEXPIRE … NX` needs Redis 7.0 (Debian bookworm has 7.0.15). Redis unreachable: both calls reject
 * with MFA_ERR_SHARED_STATE, so SmsBudget.tryConsume rejects and nothing is sent (fail closed).
 */

const TRY_INCREMENT: LuaScript = {
  name: 'mfaCountersTryIncrement',
  keys: 'any',
  // KEYS: the counters. ARGV: now, then per counter (limit, windowEnd). Returns the 0-based
  // indexes of the full counters.
  lua: `
local now = tonumber(ARGV[1])
local n = #KEYS
local full = {}
for i = 0, n - 1 do
  local key, limit, ends = KEYS[i + 1], tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local count = 0
  if ends > now then count = tonumber(redis.call('GET', key) or '0') end
  if count >= limit then full[#full + 1] = i end
end
if #full > 0 then return full end
for i = 0, n - 1 do
  local key, ends = KEYS[i + 1], tonumber(ARGV[3 + 2 * i])
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, math.max(1, ends - now), 'NX')
end
return full`,
};

const DECREMENT: LuaScript = {
  name: 'mfaCountersDecrement',
  keys: 'any',
  lua: `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1`,
};

export class RedisCounterStore implements CounterStore {
  constructor(private readonly redis: RedisState) {}

  async tryIncrementAll(counters: readonly CounterSpec[], now: number): Promise<CounterOutcome> {
    if (!Number.isFinite(now)) throw new RangeError('RedisCounterStore: now must be Clock milliseconds');
    const args: number[] = [now];
    for (const c of counters) args.push(c.limit, c.windowEnd);
    const keys = counters.map((c) => this.keyOf(c));
    const full = (await this.redis.script('sms.budget', TRY_INCREMENT, keys, args)) as number[];
    return full.length === 0 ? { ok: true } : { ok: false, full };
  }

  async decrementAll(counters: readonly CounterSpec[]): Promise<void> {
    if (counters.length === 0) return;
    await this.redis.script(
      'sms.refund',
      DECREMENT,
      counters.map((c) => this.keyOf(c)),
      [],
    );
  }

  private keyOf(c: CounterSpec): string {
    // JSON: a subject holding ':' cannot make two counters one key.
    return this.redis.key('sms', JSON.stringify([c.name, c.subject, c.windowStart]));
  }
}
