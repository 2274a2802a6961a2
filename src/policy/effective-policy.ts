import type { Config } from '../config/schema.js';

/**
 * `mfa.unenrolled` is the short form of `policy.default.unenrolled`: users that no group rule
 * matches may log in unenrolled when either says `allow`.
 */
export function effectivePolicy(cfg: Readonly<Config>): Config['policy'] {
  const d = cfg.policy.default;
  if (d.unenrolled !== 'reject' || cfg.mfa.unenrolled !== 'allow') return cfg.policy;
  return { ...cfg.policy, default: { ...d, unenrolled: 'allow' } };
}
