import { performance } from 'node:perf_hooks';
import type { Frame } from '../radius/frame.js';
import type { HealthSnapshot, ServerHealth } from './health.js';
import type { OutgoingRequest } from './outgoing-request.js';
import type { Transport } from './transport.js';
import type { UpstreamCounters } from './upstream-counters.js';

export interface PoolMember {
  readonly transport: Transport;
  readonly health: ServerHealth;
}

export type PoolResult =
  | { readonly kind: 'answer'; readonly frame: Frame; readonly server: string }
  | { readonly kind: 'timeout' }
  /** A server answered, unsigned where a Message-Authenticator is required, and no other server answered validly. */
  | { readonly kind: 'unsigned'; readonly server: string }
  /** Cannot be sent to any server: over 4096 octets once encoded. */
  | { readonly kind: 'too_large' }
  | { readonly kind: 'no_server' };

export type Balance = 'failover' | 'round_robin';

/**
 * The policy layer around the transports (undici-style: a decorator over dispatch). Picks a live
 * server, in priority order or round-robin; a request that times out there (its server may just
 * have died) is retried once on the next live server, within the same budget, so the gateway gets
 * an answer before its own retransmission. An unsigned answer where one is required ends the wait
 * on that server early; it proves the server alive, and the next server is tried the same way.
 * Dead servers get no requests (ServerHealth probes them).
 */
export class FailoverPool {
  private rr = 0;

  constructor(
    private readonly members: readonly PoolMember[],
    private readonly balance: Balance,
    private readonly counters: UpstreamCounters,
  ) {}

  /** Sends `req` and waits at most `budgetMs` in all. */
  async send(req: OutgoingRequest, budgetMs: number): Promise<PoolResult> {
    const end = performance.now() + budgetMs;
    const first = this.pick(undefined);
    if (first === undefined) {
      this.counters.inc('no_server');
      return { kind: 'no_server' };
    }
    // Keep enough of the budget for one transmission to the next server, but never more than half.
    const second = this.pick(first);
    const reserve = second ? Math.min(second.transport.endpoint.timeoutMs, budgetMs / 2) : 0;
    const r1 = await first.transport.exchange(req, budgetMs - reserve);
    if (r1.kind === 'answer') {
      first.health.onAnswer();
      return { kind: 'answer', frame: r1.frame, server: first.transport.label };
    }
    // The same octets for every server: no point in trying the next; the server is not at fault.
    if (r1.kind === 'too_large') return { kind: 'too_large' };
    if (r1.kind === 'timeout') first.health.onTimeout();
    // The server holds the secret and answers: alive, not dead (its probes would revive it anyway).
    if (r1.kind === 'unsigned') first.health.onAnswer();
    if (r1.kind === 'closed') return { kind: 'timeout' };
    const failed: PoolResult =
      r1.kind === 'unsigned' ? { kind: 'unsigned', server: first.transport.label } : { kind: 'timeout' };

    const next = this.pick(first);
    const left = end - performance.now();
    if (next === undefined || left < 1) return failed;
    this.counters.inc('failover_retries');
    const r2 = await next.transport.exchange(req, left);
    if (r2.kind === 'answer') {
      next.health.onAnswer();
      return { kind: 'answer', frame: r2.frame, server: next.transport.label };
    }
    if (r2.kind === 'timeout') next.health.onTimeout();
    if (r2.kind === 'unsigned') {
      next.health.onAnswer();
      return { kind: 'unsigned', server: next.transport.label };
    }
    return failed;
  }

  health(): HealthSnapshot[] {
    return this.members.map((m) => m.health.snapshot());
  }

  async close(): Promise<void> {
    for (const m of this.members) m.health.close();
    await Promise.all(this.members.map((m) => m.transport.close()));
  }

  /** The next live server other than `exclude`, by the balance policy. */
  private pick(exclude: PoolMember | undefined): PoolMember | undefined {
    const n = this.members.length;
    if (this.balance === 'failover') {
      for (const m of this.members) if (m !== exclude && m.health.alive) return m;
      return undefined;
    }
    // Round-robin: only a fresh request advances the rotation; the retry takes the next one along.
    let start: number;
    if (exclude === undefined) {
      start = this.rr;
      this.rr = (this.rr + 1) % n;
    } else {
      start = this.members.indexOf(exclude) + 1;
    }
    for (let i = 0; i < n; i++) {
      const m = this.members[(start + i) % n]!;
      if (m !== exclude && m.health.alive) return m;
    }
    return undefined;
  }
}
