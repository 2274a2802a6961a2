import { afterAll, beforeAll } from 'vitest';
import { RedisState } from '../../../src/state/redis-client.js';
import { type RedisHarness, startRedis } from '../../helpers/redis-server.js';

/**
 * One redis-server per test file and two separate RedisState clients on it, standing for two
 * nodes (A and B) of a pair. Each test uses its own key prefix, so tests never see each other's keys.
 */
export function redisNodes(): {
  readonly server: () => RedisHarness;
  readonly nodes: (prefix: string) => Promise<{ a: RedisState; b: RedisState }>;
} {
  let server: RedisHarness | undefined;
  const opened: RedisState[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const s of opened) await s.close();
    await server?.stop();
  });
  return {
    server: () => server!,
    nodes: async (prefix) => {
      const a = await RedisState.connect({ url: server!.url, keyPrefix: `${prefix}:` });
      const b = await RedisState.connect({ url: server!.url, keyPrefix: `${prefix}:` });
      opened.push(a, b);
      return { a, b };
    },
  };
}

/** Resolves once the client has reconnected by itself (ioredis's 'ready' event), after a restart. */
export function whenReady(s: RedisState): Promise<void> {
  if (s.ready) return Promise.resolve();
  return new Promise((r) => s.client.once('ready', () => r()));
}
