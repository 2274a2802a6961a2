import type { MfaMode } from '../config/schema.js';
import type { ReplyAttribute } from './types.js';

/**
 * How the gateway sent the user's proof (filled by the wire decode). Only PAP carries a password the
 * proxy can check; the others are refused with `unsupported_auth_method` (issue 9 item 9).
 */
export type AuthMethod = 'pap' | 'chap' | 'mschap' | 'mschapv2' | 'eap' | 'none';

/** An Access-Request as the pipeline sees it: decoded, authenticated, no wire details. */
export interface AccessRequest {
  readonly correlationId: string;
  readonly client: {
    readonly name: string;
    readonly mfaMode: MfaMode;
    readonly concatDelimiter: string;
    readonly challengePrompt?: string;
    /** The gateway's own timeout: an answer after it is useless. */
    readonly nasTimeoutMs: number;
    /** When a factor's service is down: reject (secure) or accept on the password (safe). */
    readonly failmode: 'secure' | 'safe';
    /** Seconds an MFA login is remembered for re-authentication with the same password; 0 = off. */
    readonly authCacheSec: number;
    /** The methods this gateway may use (absent: all). */
    readonly methods?: readonly string[];
  };
  readonly userName: string;
  /** The unhidden User-Password (RFC 2865 §5.2), or undefined when absent. */
  readonly password: Buffer | undefined;
  /** pap when a User-Password is present; else what carries the proof (CHAP, MS-CHAP, EAP), or none. */
  readonly authMethod: AuthMethod;
  readonly state: Buffer | undefined;
  readonly nas: {
    readonly ip?: string;
    readonly identifier?: string;
    readonly callingStationId?: string;
  };
  /** Clock ms when the datagram arrived. */
  readonly receivedAt: number;
  /** The request's attributes as raw {type, octets}, for a primary that forwards them (upstream RADIUS). */
  readonly attributes?: readonly ReplyAttribute[];
}

/** The audit facts of one decision; the server adds latency and logs them as one event. */
export interface AuditFields {
  readonly correlationId: string;
  readonly identityId?: string;
  /** challenge | concat | auto:concat | auto:challenge | challenge-answer */
  readonly mode: string;
  readonly rule?: string;
}
