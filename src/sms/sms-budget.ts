import { identityKey } from '../shared/identity-key.js';
import type { CounterSpec, CounterStore } from './budget-counters.js';

/**
 * Toll-fraud ("SMS pumping") budgets: before each SMS, one counter per user, per client (the
 * gateway), per destination country and in total is checked against its hourly and daily limit,
 * and all eight are consumed together or not at all. A country outside the allow-list is refused
 * before any counter is touched.
 *
 * Windows are fixed and aligned to UTC hours and UTC days (Clock milliseconds): "5 per hour" means
 * 5 between 10:00 and 11:00. A user can therefore send `hour` SMS just before a full hour and
 * `hour` more just after it; the daily limit still bounds that. Fixed windows were chosen over
 * sliding ones because they need one counter per window (bounded storage, one row per counter in
 * SQLite) and map one to one onto Redis `INCR` + `EXPIRE … NX` for several nodes.
 */

export const BUDGET_LIMITS = [
  'user_hour',
  'user_day',
  'client_hour',
  'client_day',
  'country_hour',
  'country_day',
  'total_hour',
  'total_day',
] as const;
export type BudgetLimit = (typeof BUDGET_LIMITS)[number];
export type BudgetTrip = BudgetLimit | 'country_not_allowed';

export interface WindowLimits {
  readonly hour: number;
  readonly day: number;
}

export interface BudgetLimits {
  readonly per_user: WindowLimits;
  readonly per_client: WindowLimits;
  readonly per_country: WindowLimits;
  readonly total: WindowLimits;
}

export interface SmsSendAttempt {
  /** The identity the code is for (canonicalised here with identityKey). */
  readonly identityId: string;
  /** The RADIUS client (gateway) name from the config. */
  readonly client: string;
  /** The destination's ISO 3166 region (PhoneNumber.region). */
  readonly country: string;
  /** Clock milliseconds. */
  readonly now: number;
}

/** Proof of one consumed send, for refund(); opaque, refundable once, in this process only. */
export interface BudgetTicket {
  readonly at: number;
}

export type BudgetDecision =
  | { readonly ok: true; readonly ticket: BudgetTicket }
  | {
      readonly ok: false;
      /** The first limit reached in BUDGET_LIMITS order (user before client before country before total). */
      readonly tripped: BudgetTrip;
      /** When every limit now reached has a fresh window (absent for a country not allowed). */
      readonly retryAt?: number;
    };

/**
 * What the SMS factor calls. Async so that a shared store (Redis) can stand behind it; nothing in
 * it names a storage type.
 */
export interface SmsBudgetPort {
  /**
   * Checks and consumes every counter of one send, atomically. Rejects when the counters cannot be
   * read or written (a broken disk, a lost Redis): the caller must then not send (fail closed).
   */
  tryConsume(attempt: SmsSendAttempt): Promise<BudgetDecision>;
  /**
   * Gives a send's budget back when no provider took the message (every provider refused it or
   * could not be reached). Not for a timeout after the request went out: the provider may have
   * sent, and charged for, the SMS. Returns false if the ticket was already refunded or unknown.
   */
  refund(ticket: BudgetTicket): Promise<boolean>;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface SmsBudgetOptions {
  readonly counters: CounterStore;
  readonly limits: BudgetLimits;
  /** ISO 3166 regions SMS may go to (upper case). */
  readonly allowedCountries: readonly string[];
}

export class SmsBudget implements SmsBudgetPort {
  private readonly counters: CounterStore;
  private readonly limits: BudgetLimits;
  private readonly allowed: ReadonlySet<string>;
  /** Tickets not yet refunded; weak, so tickets the caller drops cost nothing. */
  private readonly outstanding = new WeakMap<BudgetTicket, readonly CounterSpec[]>();

  constructor(opts: SmsBudgetOptions) {
    this.counters = opts.counters;
    this.limits = opts.limits;
    this.allowed = new Set(opts.allowedCountries.map((c) => c.toUpperCase()));
  }

  async tryConsume(attempt: SmsSendAttempt): Promise<BudgetDecision> {
    if (!Number.isFinite(attempt.now)) {
      throw new RangeError('SmsBudget.tryConsume: now must be Clock milliseconds');
    }
    const country = attempt.country.toUpperCase();
    if (!this.allowed.has(country)) return { ok: false, tripped: 'country_not_allowed' };
    const specs = countersFor(this.limits, { ...attempt, country });
    const outcome = await this.counters.tryIncrementAll(specs, attempt.now);
    if (!outcome.ok) {
      const full = outcome.full.map((i) => specs[i]!);
      return {
        ok: false,
        tripped: full[0]!.name as BudgetLimit,
        retryAt: Math.max(...full.map((c) => c.windowEnd)),
      };
    }
    const ticket: BudgetTicket = Object.freeze({ at: attempt.now });
    this.outstanding.set(ticket, specs);
    return { ok: true, ticket };
  }

  async refund(ticket: BudgetTicket): Promise<boolean> {
    const specs = this.outstanding.get(ticket);
    if (specs === undefined) return false;
    // Delete first: a second refund racing this one finds nothing.
    this.outstanding.delete(ticket);
    await this.counters.decrementAll(specs);
    return true;
  }
}

/** The eight counters of one send, in BUDGET_LIMITS order. */
export function countersFor(limits: BudgetLimits, a: SmsSendAttempt): CounterSpec[] {
  const hour = Math.floor(a.now / HOUR_MS) * HOUR_MS;
  const day = Math.floor(a.now / DAY_MS) * DAY_MS;
  const pair = (scope: string, subject: string, l: WindowLimits): CounterSpec[] => [
    { name: `${scope}_hour`, subject, windowStart: hour, windowEnd: hour + HOUR_MS, limit: l.hour },
    { name: `${scope}_day`, subject, windowStart: day, windowEnd: day + DAY_MS, limit: l.day },
  ];
  return [
    ...pair('user', identityKey(a.identityId), limits.per_user),
    ...pair('client', a.client, limits.per_client),
    ...pair('country', a.country, limits.per_country),
    ...pair('total', '', limits.total),
  ];
}
