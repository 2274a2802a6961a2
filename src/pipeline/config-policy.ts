import { identityKey } from '../shared/identity-key.js';
import type { PolicyOutcome, PolicyPort } from './ports.js';
import type { Identity } from './types.js';

/**
 * The policy when no group rules are configured: MFA for everyone, except users exempted in the
 * local store or listed in `mfa.exempt_users`; unenrolled users per `mfa.unenrolled`.
 */
export class ConfigPolicy implements PolicyPort {
  private readonly exempt: ReadonlySet<string>;

  constructor(private readonly opts: { exemptUsers: readonly string[]; unenrolled: 'reject' | 'allow' }) {
    this.exempt = new Set(opts.exemptUsers.map((u) => identityKey(u)));
  }

  evaluate(identity: Identity): PolicyOutcome {
    const exempt = identity.mfaExempt === true || this.exempt.has(identity.id);
    return {
      allowed: true,
      rule: exempt ? 'exempt_user' : 'default',
      mfa: exempt ? 'exempt' : 'required',
      unenrolled: this.opts.unenrolled,
      reply: [],
    };
  }
}
