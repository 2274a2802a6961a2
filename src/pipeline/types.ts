import type { ReasonCode } from './reasons.js';

/**
 * A reply attribute by dictionary name (e.g. 'Filter-Id', 'Class', 'Citrix-User-Groups',
 * 'Fortinet-Group-Name'), or by number for attributes without a dictionary entry.
 * Vendor attributes are named by their dictionary name; src/radius/ resolves the vendor.
 */
export interface ReplyAttribute {
  readonly name: string | number;
  readonly value: string | number | Buffer;
}

/** The person behind a login, whatever spelling of the name they typed. */
export interface Identity {
  /** Canonical, lower-cased id: the key for enrolments, lockout and audit. */
  readonly id: string;
  /** The name as typed by the user (for logs only). */
  readonly loginName: string;
  readonly displayName?: string;
  readonly groups?: readonly string[];
  readonly phone?: string;
  readonly mobile?: string;
  readonly mail?: string;
  /** Local store: the user is exempt from the second factor. */
  readonly mfaExempt?: boolean;
  /** Directory-specific data (e.g. the DN), for logs and the `directory test` command. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What a directory must do before its one password check, once it knows who is logging in: the
 * pipeline decides there, with the identity (and its groups) in hand, whether the login may go on
 * (lockout, in-flight attempts) and which part of the typed field is the password (concat: an
 * exempt user's password may end in digits). Exactly one check follows a `check`, none a `stop`.
 */
export type Prepared =
  | { readonly kind: 'check'; readonly password: Buffer }
  | { readonly kind: 'stop'; readonly reason: ReasonCode };

export interface PrimaryRequest {
  readonly userName: string;
  /**
   * Called once the directory has found the user and before it checks the password (bind, hash,
   * or forward). A directory that cannot find the user does not call it.
   */
  prepare(identity: Identity): Promise<Prepared>;
  /** The upstream's State when answering an upstream Access-Challenge. */
  readonly upstreamState?: Buffer;
  /** The original request's attributes, for directories that forward (upstream RADIUS). */
  readonly requestAttributes?: readonly ReplyAttribute[];
  readonly correlationId: string;
  /** Absolute deadline (Clock ms) by which an answer is useful to the gateway. */
  readonly deadline: number;
  /** Aborted when the answer is no longer wanted (drain, reload): stop waiting. */
  readonly signal?: AbortSignal;
}

export type PrimaryResult =
  | { readonly kind: 'ok'; readonly identity: Identity; readonly attributes: readonly ReplyAttribute[] }
  | { readonly kind: 'fail'; readonly reason: ReasonCode; readonly identityId?: string }
  | {
      readonly kind: 'challenge';
      readonly upstreamState: Buffer;
      readonly prompt: string;
      readonly attributes: readonly ReplyAttribute[];
    };

/** The first factor: local store, LDAP/AD bind, or an upstream RADIUS server. */
export interface PrimaryAuthenticator {
  readonly kind: string;
  authenticate(req: PrimaryRequest): Promise<PrimaryResult>;
  /**
   * Resolve a login name to an identity without checking a password (second-factor-only mode,
   * lockout checks before a bind). Returns null for an unknown user.
   */
  lookup(userName: string): Promise<Identity | null>;
  /**
   * The identity id a login name most likely maps to, without asking the directory (e.g.
   * `CORP\alice` → `alice`): the key for the lockout check and the auto-mode code check that come
   * before the primary check. Default: the name itself, canonicalised.
   */
  normalizeLogin?(userName: string): string;
  close(): Promise<void>;
}

/** What the pipeline returns; src/server/ encodes it. The gateway never sees the reason. */
export type Decision =
  | {
      readonly kind: 'accept';
      readonly reason: ReasonCode;
      readonly attributes: readonly ReplyAttribute[];
      readonly identityId?: string;
    }
  | {
      readonly kind: 'reject';
      readonly reason: ReasonCode;
      readonly identityId?: string;
      readonly replyMessage?: string;
    }
  | {
      readonly kind: 'challenge';
      readonly reason: ReasonCode;
      readonly state: Buffer;
      readonly prompt: string;
      readonly timeoutSec: number;
      readonly identityId?: string;
      readonly attributes?: readonly ReplyAttribute[];
    };
