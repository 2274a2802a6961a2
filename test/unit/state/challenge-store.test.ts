import type NodeCache from 'node-cache';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cryptoRng, ManualClock } from '../../../src/shared/clock.js';
import { ChallengeStore } from '../../../src/state/challenge-store.js';

const challenge = (i: number) => ({
  clientName: 'vpn',
  userName: `user${i}`,
  identityId: `user${i}`,
  correlationId: `c${i}`,
  attributes: [],
  kind: 'totp',
});

describe('ChallengeStore.size (read by every /metrics scrape and every stats event)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts the pending challenges: issued, minus taken', async () => {
    const s = new ChallengeStore(new ManualClock(0), cryptoRng);
    try {
      const a = await s.issue(challenge(1), 60_000);
      await s.issue(challenge(2), 60_000);
      expect(s.size).toBe(2);
      await s.take(a!.state, 'vpn', 'user1');
      expect(s.size).toBe(1);
    } finally {
      s.close();
    }
  });

  it('is O(1): it does not list every pending State to count them', async () => {
    const s = new ChallengeStore(new ManualClock(0), cryptoRng);
    try {
      for (let i = 0; i < 2000; i++) await s.issue(challenge(i), 60_000);
      // node-cache binds its methods per instance: spy on the store's own cache.
      const keys = vi.spyOn((s as unknown as { cache: NodeCache }).cache, 'keys');
      expect(s.size).toBe(2000);
      expect(keys).not.toHaveBeenCalled();
    } finally {
      s.close();
    }
  });
});
