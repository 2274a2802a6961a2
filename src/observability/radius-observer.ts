import type { Clock } from '../shared/clock.js';
import type { DropSink, Peer } from '../server/drop-log.js';

/**
 * What the RADIUS side tells the status pages and /metrics: one record per answered Access-Request,
 * one per dropped packet. Observers are called synchronously on the RADIUS path, so each must be
 * O(1) and must not throw (a throw is caught and counted, never reaches the packet).
 */
export interface AuthRecord {
  /** Epoch ms, from the injected clock. */
  readonly at: number;
  readonly result: 'accept' | 'reject' | 'challenge';
  /** A reason code (src/pipeline/reasons.ts). */
  readonly reason: string;
  /** The client's name in the config (behind a trusted proxy: the original gateway's). */
  readonly client: string;
  /** User-Name as sent. */
  readonly user?: string;
  /** The identity the directory found. */
  readonly identity?: string;
  readonly correlationId: string;
  readonly latencyMs: number;
  /** `address:port` of the sender. */
  readonly src: string;
  readonly mode?: string;
}

export interface DropRecord {
  readonly at: number;
  /** The counter name without `dropped_` (`unknown_client`, `bad_message_authenticator`, ...). */
  readonly cause: string;
  readonly src: string;
  readonly client?: string;
}

export interface RadiusObserver {
  onAuth(r: AuthRecord): void;
  onDrop?(d: DropRecord): void;
}

/** Calls each observer; one that throws is skipped for this record and reported once. */
export function notifyAuth(observers: readonly RadiusObserver[], r: AuthRecord, onError: (e: unknown) => void): void {
  for (const o of observers) {
    try {
      o.onAuth(r);
    } catch (e) {
      onError(e);
    }
  }
}

/** A drop sink that feeds the observers as well as the rate-limited `dropped` log. */
export class ObservedDrops implements DropSink {
  constructor(
    private readonly inner: DropSink,
    private readonly observers: readonly RadiusObserver[],
    private readonly clock: Clock,
  ) {}

  dropped(cause: string, peer: Peer, client?: string): void {
    this.inner.dropped(cause, peer, client);
    if (this.observers.length === 0) return;
    const d: DropRecord = {
      at: this.clock.now(),
      cause,
      src: `${peer.address}:${peer.port}`,
      ...(client !== undefined ? { client } : {}),
    };
    for (const o of this.observers) {
      try {
        o.onDrop?.(d);
      } catch {
        // An observer's bug must not turn a drop into a crash; the auth path reports such bugs.
      }
    }
  }
}
