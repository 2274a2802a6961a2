import type { Clock } from '../shared/clock.js';
import {
  type SendFailure,
  type SendOptions,
  type SendResult,
  type SmsMessage,
  type SmsSender,
  failed,
} from './sms-sender.js';

/** One provider's failure, for logs and counters (the detail is already masked). */
export interface SendFailureReport {
  readonly provider: string;
  readonly reason: SendFailure;
  readonly detail: string;
  readonly correlationId: string;
  /** 0-based position in the list. */
  readonly attempt: number;
}

/**
 * Tries the senders in order until one sends, within the one deadline of the login (the next
 * provider only gets what time is left). The result names the provider that sent; every failure
 * on the way is reported through `onFailure`. Stops early when the caller aborts.
 */
export class FailoverSender implements SmsSender {
  constructor(
    private readonly senders: readonly SmsSender[],
    private readonly deps: {
      readonly clock: Clock;
      readonly onFailure?: (report: SendFailureReport) => void;
    },
    readonly name = 'failover',
  ) {}

  async send(msg: SmsMessage, opts: SendOptions): Promise<SendResult> {
    const tried: string[] = [];
    let last: (SendResult & { kind: 'failed' }) | undefined;
    let stopped: string | undefined;
    for (let i = 0; i < this.senders.length; i++) {
      const sender = this.senders[i]!;
      if (opts.signal?.aborted) {
        last = { kind: 'failed', provider: sender.name, reason: 'aborted', detail: '' };
        stopped = 'aborted by the caller';
        break;
      }
      if (this.deps.clock.now() >= opts.deadline) {
        last = { kind: 'failed', provider: sender.name, reason: 'timeout', detail: '' };
        stopped = `deadline passed before ${sender.name} was tried`;
        break;
      }
      const r = await sender.send(msg, opts);
      if (r.kind === 'sent') return r;
      last = r;
      tried.push(`${r.provider}: ${r.reason} (${r.detail})`);
      this.report(msg, i, r);
      if (r.reason === 'aborted') break;
    }
    if (!last) return failed(this.name, 'not_connected', 'no SMS provider configured');
    const parts = [...tried, ...(stopped ? [stopped] : [])];
    return failed(last.provider, last.reason, `no provider sent: ${parts.join('; ')}`);
  }

  private report(msg: SmsMessage, attempt: number, r: SendResult & { kind: 'failed' }): void {
    try {
      this.deps.onFailure?.({
        provider: r.provider,
        reason: r.reason,
        detail: r.detail,
        correlationId: msg.correlationId,
        attempt,
      });
    } catch {
      // A broken log sink must not stop the failover.
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.senders.map((s) => s.close()));
  }
}
