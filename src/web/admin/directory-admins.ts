import type { Config } from '../../config/schema.js';
import { TotpFactor } from '../../factors/totp.js';
import type { PrimaryAuthenticator } from '../../pipeline/types.js';
import { compileGroupPatterns, groupsOf } from '../../policy/group-match.js';
import type { Clock, Rng } from '../../shared/clock.js';
import type { Store } from '../../store/store.js';
import type { DirectoryAdmins } from './admin-sign-in.js';

/**
 * Directory admins (`admin.groups`, LDAP/AD): the directory's own password check (a bind, as a login
 * does) and group membership decided before the bind, then the user's own TOTP enrolment. The
 * RADIUS lockout is not consulted here: the admin sign-in has its own (admin-lockout.ts).
 */
export function directoryAdmins(deps: {
  readonly config: Readonly<Config>;
  readonly primary: () => PrimaryAuthenticator;
  readonly store: Store;
  readonly clock: Clock;
  readonly rng: Rng;
}): DirectoryAdmins | undefined {
  const { config } = deps;
  if (config.directory.type !== 'ldap' || config.admin.groups.length === 0) return undefined;
  const inGroup = compileGroupPatterns(config.admin.groups);
  const totp = new TotpFactor({
    tokens: deps.store.tokens,
    clock: deps.clock,
    options: { digits: config.totp.digits, period: config.totp.period, window: config.totp.window },
  });
  return {
    async check(name, password) {
      let member = false;
      const r = await deps.primary().authenticate({
        userName: name,
        correlationId: `admin-${deps.rng.bytes(6).toString('hex')}`,
        deadline: deps.clock.now() + 10_000,
        prepare: async (identity) => {
          member = inGroup(groupsOf(identity)).length > 0;
          // Not an admin: no bind at all, so the page cannot be used to test directory passwords.
          return member ? { kind: 'check', password } : { kind: 'stop', reason: 'not_in_allowed_group' };
        },
      });
      return r.kind === 'ok' && member ? { identityId: r.identity.id } : undefined;
    },
    async verifyCode(identityId, code) {
      return (await totp.verify(identityId, code)).kind === 'ok';
    },
  };
}
