/**
 * The port the pipeline's SMS factor calls: one message out, one result back. Adapters (HTTP
 * providers, SMPP, failover) implement it; the pipeline never sees a provider's protocol.
 * A provider failing is a `failed` result, never a throw.
 */

export interface SmsMessage {
  /** E.164, e.g. +4915112345678 */
  readonly to: string;
  /** The finished text (the code is already in it). */
  readonly text: string;
  /** Ties log lines of one login together; never shown to the provider as a secret. */
  readonly correlationId: string;
}

export type SendFailure =
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'body_mismatch'
  | 'rejected'
  | 'not_connected'
  | 'rate_limited'
  | 'aborted';

export type SendResult =
  | { readonly kind: 'sent'; readonly provider: string; readonly messageId?: string }
  | {
      readonly kind: 'failed';
      readonly provider: string;
      readonly reason: SendFailure;
      /** For logs: never the number in full (maskPhone), never secrets. */
      readonly detail: string;
    };

export interface SendOptions {
  /** Clock ms: after this the send is abandoned (the NAS's RADIUS timeout is running). */
  readonly deadline: number;
  /** Cancels an in-flight request (the login was abandoned). */
  readonly signal?: AbortSignal;
}

export interface SmsSender {
  readonly name: string;
  send(msg: SmsMessage, opts: SendOptions): Promise<SendResult>;
  close(): Promise<void>;
}

/** A reply from a phone (two-way SMS): from SMPP deliver_sm or a provider's inbound webhook. */
export interface InboundSms {
  /** E.164 */
  readonly from: string;
  readonly to?: string;
  readonly text: string;
  /** Clock ms */
  readonly receivedAt: number;
  readonly provider: string;
}

/** The few logger methods the adapters use; a pino Logger satisfies it. */
export interface SmsLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export const silentLog: SmsLog = { info: () => {}, warn: () => {} };

/** Timers, injected next to the Clock so tests can drive waits (defaults: the global ones). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const failed = (provider: string, reason: SendFailure, detail: string): SendResult => ({
  kind: 'failed',
  provider,
  reason,
  detail,
});
