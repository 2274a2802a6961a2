import { BUDGET_LIMITS } from '../sms/sms-budget.js';
import type { SmsLog } from '../sms/sms-sender.js';
import { OTHER } from './prom-tally.js';

/**
 * SMS sent and refused, for /metrics, counted from the SMS factor's own audit events (`sms_sent`,
 * `sms_refused`, `sms_send_failed`: stable names in the README's event catalogue), so the SMS code
 * needs no second reporting path. Labels are bounded: a provider is a configured name (at most
 * `maxProviders`, then `other`), a limit one of the budget's limits, a cause one of the senders'
 * failure kinds.
 */

const LIMITS: ReadonlySet<string> = new Set<string>([...BUDGET_LIMITS, 'country_not_allowed']);
const CAUSES: ReadonlySet<string> = new Set([
  'timeout',
  'network',
  'http_status',
  'body_mismatch',
  'rejected',
  'not_connected',
  'rate_limited',
  'aborted',
]);

export class SmsTally {
  readonly sent = new Map<string, number>();
  readonly refused = new Map<string, number>();
  readonly failed = new Map<string, number>();

  constructor(private readonly maxProviders = 32) {}

  /** Counts one SMS audit event; any other event is ignored. */
  count(obj: object): void {
    const e = obj as { event?: unknown; provider?: unknown; tripped?: unknown; cause?: unknown };
    if (e.event === 'sms_sent') bump(this.sent, this.provider(e.provider));
    else if (e.event === 'sms_refused') bump(this.refused, bounded(LIMITS, e.tripped));
    else if (e.event === 'sms_send_failed') bump(this.failed, bounded(CAUSES, e.cause));
  }

  private provider(p: unknown): string {
    if (typeof p !== 'string') return OTHER;
    return this.sent.has(p) || this.sent.size < this.maxProviders ? p : OTHER;
  }
}

/** The SMS log, with every line also counted: what startSms gets instead of the plain logger. */
export function tapSmsLog<L extends SmsLog>(log: L, tally: SmsTally): SmsLog {
  return {
    info(obj, msg) {
      tally.count(obj);
      log.info(obj, msg);
    },
    warn(obj, msg) {
      tally.count(obj);
      log.warn(obj, msg);
    },
  };
}

function bounded(known: ReadonlySet<string>, v: unknown): string {
  return typeof v === 'string' && known.has(v) ? v : OTHER;
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}
