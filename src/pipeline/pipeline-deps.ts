import type { AuthCachePort } from '../state/auth-cache.js';
import type { FactorRegistry } from './factor-registry.js';
import type { ChallengePort, EnrolmentPort, LockoutPort, MethodPrefsPort, PolicyPort } from './ports.js';
import type { ReasonCode } from './reasons.js';
import type { PrimaryAuthenticator } from './types.js';

/** Everything the pipeline's steps use: ports only, no concrete store. */
export interface PipelineDeps {
  readonly primary: PrimaryAuthenticator;
  readonly factors: FactorRegistry;
  readonly lockout: LockoutPort;
  readonly policy: PolicyPort;
  readonly challenges: ChallengePort;
  /** The auth-result cache, for clients with `auth_cache_sec` (absent: never used). */
  readonly authCache?: AuthCachePort;
  /** Each user's own default method (absent: none has one). */
  readonly methodPrefs?: MethodPrefsPort;
  /** `unenrolled: enroll`: the portal's windows and address (absent: such users get not_enrolled). */
  readonly enrolment?: EnrolmentPort;
  readonly options: {
    readonly challengeTimeoutSec: number;
    readonly challengePrompt: string;
    /** The word that picks a method, by kind (`mfa.method_keywords`). */
    readonly methodKeywords?: Readonly<Record<string, string>>;
    /** Appended to a prompt when other methods can be picked; `{keywords}` lists their words. */
    readonly offerText?: string;
  };
  /** Reply-Message for particular reject reasons (e.g. an expired AD password); others get the generic one. */
  readonly rejectMessages?: Readonly<Partial<Record<ReasonCode, string>>>;
}
