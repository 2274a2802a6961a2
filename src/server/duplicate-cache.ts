import type { Clock } from '../shared/clock.js';

type Entry =
  | { readonly inFlight: true; expires: number }
  | { readonly inFlight: false; reply: Buffer; expires: number };

export type DuplicateVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'replay'; readonly reply: Buffer };

/**
 * RFC 5080 §2.2.2: a retransmission (same source address and port, Identifier and Request
 * Authenticator) is not processed twice. While the first copy is in flight it is ignored; after the
 * answer, the cached reply is sent again for `windowMs`. This is what stops a gateway's retries from
 * triggering a second password check, a second lockout count, or a second push.
 */
export class DuplicateCache {
  private readonly entries = new Map<string, Entry>();
  private nextSweep = 0;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    /** In-flight entries are dropped after this, in case a handler never completes. */
    private readonly inFlightMs = 120_000,
    private readonly maxEntries = 200_000,
  ) {}

  static key(address: string, port: number, identifier: number, authenticator: Buffer): string {
    return `${address}|${port}|${identifier}|${authenticator.toString('latin1')}`;
  }

  /** Registers a request; tells whether it is new, in flight, or already answered. */
  begin(key: string): DuplicateVerdict {
    const now = this.clock.now();
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry && entry.expires > now) {
      return entry.inFlight ? { kind: 'in_flight' } : { kind: 'replay', reply: entry.reply };
    }
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { inFlight: true, expires: now + this.inFlightMs });
    return { kind: 'new' };
  }

  /** Stores the reply for retransmissions. */
  complete(key: string, reply: Buffer): void {
    this.entries.set(key, { inFlight: false, reply, expires: this.clock.now() + this.windowMs });
  }

  /** Forgets a request that got no reply (dropped), so a retransmission is processed afresh. */
  abandon(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 1000;
    for (const [k, e] of this.entries) if (e.expires <= now) this.entries.delete(k);
  }

  private evictOldest(): void {
    // Map iteration is insertion order: the first entries are the oldest.
    let n = Math.ceil(this.maxEntries / 10);
    for (const k of this.entries.keys()) {
      if (n-- <= 0) break;
      this.entries.delete(k);
    }
  }
}
