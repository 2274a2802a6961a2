import type { Identity, ReplyAttribute } from './types.js';

/**
 * The pipeline's ports. Every one is async, so an implementation on shared state (Redis, for
 * several nodes) drops in without touching the pipeline; the embedded defaults are SQLite and
 * in-memory. Expected outcomes are results, never exceptions.
 */

/** What a factor says about a code. */
export type FactorResult =
  | { readonly kind: 'ok' }
  /** A code sent for a challenge, typed after its time ran out. */
  | { readonly kind: 'expired' }
  | { readonly kind: 'bad_code' }
  | { readonly kind: 'replayed' }
  | { readonly kind: 'not_enrolled' };

/** What a factor keeps with a pending challenge (an SMS code's digest and expiry); opaque to the pipeline. */
export type FactorData = Readonly<Record<string, string | number>>;

/** The deadline and cancellation every step gets. */
export interface StepContext {
  readonly correlationId: string;
  /** The RADIUS client (gateway) the login came through: SMS budgets count per client. */
  readonly clientName: string;
  /** Clock ms by which the gateway must have its answer (its `nas_timeout` budget). */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/** How a factor wants to be asked, once the password check passed. */
export type FactorStart =
  /**
   * Ask by Access-Challenge (TOTP: the code is already in the app; SMS: sent just now). `data` is
   * kept with the State and handed back to `verify`: a code that works only with its State.
   */
  | { readonly kind: 'prompt'; readonly prompt: string; readonly data?: FactorData }
  /** The factor's service could not start (every SMS provider failed, a budget tripped). */
  | { readonly kind: 'unavailable'; readonly reason: string }
  /** Answered out of band while the request was held (a reply to the SMS, a push approval). */
  | { readonly kind: 'verified' }
  /** Answered out of band, wrongly (a wrong code in the reply), or not in time where no challenge is possible. */
  | { readonly kind: 'refused'; readonly reason: string; readonly counts: boolean };

/** What a factor's start (and keyword) hook is told about the login. */
export interface StartContext extends StepContext {
  readonly prompt: string;
  /** The client can show an Access-Challenge (not `concat`): a wait that runs out can fall back to one. */
  readonly canChallenge: boolean;
}

/**
 * A second factor as a plug-in (`totp`, later `sms`, `push`): the same lifecycle for each. The
 * registry asks `isEnrolled`, the pipeline calls `start` once the password check passed, `verify`
 * for a typed code (consuming it: a code works once), `check` to peek (auto mode), `cancel` when a
 * login ends before the factor did.
 */
export interface Factor {
  readonly kind: string;
  /** Lengths of the codes this factor accepts typed after the password (concat mode). */
  readonly codeLengths: readonly number[];
  isEnrolled(identity: Identity): Promise<boolean>;
  start(identity: Identity, ctx: StartContext): Promise<FactorStart>;
  /** True when the factor can be answered without typing (two-way SMS, push): usable on concat clients. */
  readonly outOfBand?: boolean;
  /** `data` is what `start` kept with the State, when the code answers a challenge. */
  verify(identityId: string, code: string, ctx: StepContext, data?: FactorData): Promise<FactorResult>;
  /** Verifies without consuming (auto mode decides whether trailing digits are a code). */
  check(identityId: string, code: string, ctx: StepContext): Promise<FactorResult>;
  cancel?(identityId: string, ctx: StepContext): Promise<void>;
  /**
   * The user typed `text` at this factor's prompt instead of a code: a keyword such as `resend`.
   * Returns how to ask again (a new State follows), or undefined when `text` is no keyword.
   */
  keyword?(
    identity: Identity,
    text: string,
    data: FactorData | undefined,
    ctx: StartContext,
  ): Promise<FactorStart | undefined>;
}

/** A lock in force, or the limit of attempts (finished failures plus those in flight) reached. */
export interface LockedOut {
  readonly kind: 'locked';
  readonly until?: number;
}

/** One reserved password or code check; give it back exactly once, whatever the outcome. */
export interface AttemptSlot {
  readonly kind: 'slot';
  release(): void;
}

/**
 * The lockout gate. `acquire` reserves one check: it refuses once the failures inside the window
 * plus the checks still in flight reach the limit, so a burst of simultaneous attempts gets no
 * further than the same attempts one after the other.
 */
export interface LockoutPort {
  acquire(identityId: string): Promise<AttemptSlot | LockedOut>;
  recordFailure(identityId: string): Promise<void>;
  recordSuccess(identityId: string): Promise<void>;
}

/** A pending Access-Challenge, as the pipeline stores it until the gateway sends the answer. */
export interface PendingChallenge {
  readonly clientName: string;
  /** The User-Name as the gateway sent it, compared case-insensitively on the answer. */
  readonly userName: string;
  readonly identityId: string;
  readonly correlationId: string;
  readonly expiresAt: number;
  /** Attributes earned by the primary check (directory policy, upstream Accept), for the final Accept. */
  readonly attributes: readonly ReplyAttribute[];
  /** A factor kind ('totp', 'sms', …) whose code we asked for, or 'upstream' for the upstream's own question. */
  readonly kind: string;
  readonly upstreamState?: Buffer;
  /** The policy rule that decided (for the audit line of the answer). */
  readonly rule?: string;
  /** The factor's own data for this challenge (FactorStart.data). */
  readonly factorData?: FactorData;
  /** The salted digest of the password, remembered once the code passed (auth-result cache). */
  readonly authCacheToken?: string;
  /** Who it is, and which other methods the prompt offered by keyword (a switch starts one of them). */
  readonly identity?: Identity;
  readonly offered?: readonly string[];
}

export type TakeResult =
  | { readonly kind: 'ok'; readonly challenge: PendingChallenge }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired'; readonly challenge: PendingChallenge }
  | { readonly kind: 'mismatch'; readonly challenge: PendingChallenge };

/** Issues a State and takes it back once (RFC 2865 §5.24: State is opaque to the gateway). */
export interface ChallengePort {
  issue(
    challenge: Omit<PendingChallenge, 'expiresAt'>,
    ttlMs: number,
  ): Promise<{ readonly state: Buffer; readonly expiresAt: number } | undefined>;
  take(state: Buffer, clientName: string, userName: string): Promise<TakeResult>;
}

/**
 * The replay guard of code factors: the first claim of a token's time step wins, atomically across
 * every process that shares the store (SQLite's UPDATE today; a compare-and-set in Redis for HA).
 */
export interface ReplayGuardPort {
  claim(tokenId: number, step: number): Promise<boolean>;
}

/** A user's own default method (the store; the portal sets it later). */
export interface MethodPrefsPort {
  defaultFor(identityId: string): Promise<string | undefined>;
}

/**
 * `unenrolled: enroll` (issue 11): a user with no method who passed the password check is sent to
 * the self-service portal, and may enrol a first method there for a while.
 */
export interface EnrolmentPort {
  /** Opens (or extends) the identity's enrolment window. */
  openWindow(identityId: string): Promise<void>;
  /** The Reply-Message of the reject: names the portal's URL. */
  readonly replyMessage: string;
}

/** What the policy says about an identity. */
export interface PolicyOutcome {
  readonly allowed: boolean;
  readonly rule: string;
  readonly mfa: 'required' | 'exempt';
  readonly unenrolled: 'reject' | 'allow' | 'enroll';
  /** The group's failmode, when its rule sets one (else the client's applies). */
  readonly failmode?: 'secure' | 'safe';
  /** The methods this group may use, in order (absent: every enrolled one, in registry order). */
  readonly methods?: readonly string[];
  readonly reply: readonly ReplyAttribute[];
}

export interface PolicyPort {
  evaluate(identity: Identity): PolicyOutcome;
}
