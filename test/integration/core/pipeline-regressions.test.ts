import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';

const SEED = 'KRUGS4ZANFZSAYJAORSXG5BAONSWKZBA';

/** Issue 9, items 4, 5 and 7, through the real server with radclient as the gateway. */
describe('concat and auto clients: exempt users, replayed codes, the policy rule in the audit', () => {
  let concat: InProcessProxy;
  let auto: InProcessProxy;
  beforeAll(async () => {
    const extra = ['mfa:', '  exempt_users: [svc-backup]'];
    concat = await startInProcess({ clientYaml: ['mfa_mode: concat'], extraYaml: extra });
    auto = await startInProcess({ clientYaml: ['mfa_mode: auto'], extraYaml: extra });
    for (const p of [concat, auto]) {
      await p.addUser('svc-scan', 'Scanner-pw-202611', { exempt: true });
      await p.addUser('svc-backup', 'Backup-pw-654321');
      await p.addUser('alice', 'alice-pw', { totpBase32: SEED });
    }
  });
  afterAll(async () => {
    await concat.stop();
    await auto.stop();
  });

  const login = (p: InProcessProxy, user: string, password: string) =>
    radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote(user), 'User-Password': quote(password) },
    });

  it('an exempt user whose password ends in six digits gets in on a concat client, and nothing is counted (item 4)', async () => {
    for (const [user, pw] of [
      ['svc-scan', 'Scanner-pw-202611'],
      ['svc-backup', 'Backup-pw-654321'],
    ] as const) {
      for (let i = 0; i < 6; i++) expect((await login(concat, user, pw)).code).toBe('Access-Accept');
      expect(concat.audits().at(-1)).toMatchObject({
        user,
        result: 'accept',
        reason: 'mfa_exempt',
        mode: 'concat',
      });
      expect(concat.app.store.lockouts.getLock(user)).toBeUndefined();
    }
  });

  it('auto mode: a replayed code is code_replayed, not bad_password (item 5)', async () => {
    const code = oathCode(SEED, auto.clock.now());
    expect((await login(auto, 'alice', `alice-pw${code}`)).code).toBe('Access-Accept');
    expect(auto.audits().at(-1)).toMatchObject({ reason: 'mfa_ok', mode: 'auto:concat' });
    expect((await login(auto, 'alice', `alice-pw${code}`)).code).toBe('Access-Reject');
    expect(auto.audits().at(-1)).toMatchObject({ reason: 'code_replayed', mode: 'auto:concat' });
  });

  it('every auth line names the policy rule that decided (item 7)', async () => {
    await login(concat, 'alice', 'alice-pw');
    const lines = [...concat.audits(), ...auto.audits()].filter((a) => a.reason !== 'no_such_user');
    expect(lines.length).toBeGreaterThan(10);
    for (const a of lines) expect(a.rule).toBe('default');
  });
});
