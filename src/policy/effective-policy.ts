import type { Config } from '../config/schema.js';

/**
 * `mfa.unenrolled` is the short form of `policy.default.unenrolled`: users that no group rule
 * matches may log in unenrolled when either says `allow` (or are sent to the portal when either
 * says `enroll`); an explicit `policy.default.unenrolled` other than `reject` wins.
 */
export function effectivePolicy(cfg: Readonly<Config>): Config['policy'] {
  const d = cfg.policy.default;
  if (d.unenrolled !== 'reject' || cfg.mfa.unenrolled === 'reject') return cfg.policy;
  return { ...cfg.policy, default: { ...d, unenrolled: cfg.mfa.unenrolled } };
}
