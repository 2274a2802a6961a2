import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burst } from '../../helpers/burst.js';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';

const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** Issue 9, item 1: the lockout counts attempts in flight, not only finished failures. */
describe('a simultaneous burst of wrong passwords (local store, README lockout defaults)', () => {
  let p: InProcessProxy;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'] });
    await p.addUser('alice', 'alice-right-pw', { totpBase32: SEED });
    await p.addUser('bob', 'bob-right-pw', { exempt: true });
  });
  afterAll(() => p.stop());

  it('300 wrong passwords at once: exactly 5 checked, 295 refused as user_locked_out without a hash', async () => {
    const passwords = Array.from({ length: 300 }, (_, i) => `spray-${i}`);
    const sprayed = burst(p.port, p.secret, 'alice', passwords);
    // Another user logs in during the spray: answered (the spray queued 5 hashes, not 300).
    const bob = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('bob'), 'User-Password': quote('bob-right-pw') },
      // A gateway waits its nas_timeout (30 s); on a loaded test machine six hashes can take > 2 s.
      timeoutSec: 15,
    });
    expect(bob.code).toBe('Access-Accept');
    const replies = await sprayed;
    expect(replies).toHaveLength(300);
    const alice = p.audits().filter((a) => a.user === 'alice');
    expect(alice.filter((a) => a.reason === 'bad_password')).toHaveLength(5);
    expect(alice.filter((a) => a.reason === 'user_locked_out')).toHaveLength(295);
    expect(p.app.store.lockouts.getLock('alice')).toBeDefined();
    // Locked now: even the right password and a right code are not checked.
    const locked = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: {
        'User-Name': quote('alice'),
        'User-Password': quote(`alice-right-pw${oathCode(SEED, p.clock.now())}`),
      },
    });
    expect(locked.code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ user: 'alice', reason: 'user_locked_out' });
  });
});
