import type { Clock } from '../shared/clock.js';
import type { InboundSms } from '../sms/sms-sender.js';
import { handleTwilioWebhook } from '../sms/twilio-inbound.js';
import type { HttpAnswer, HttpRequestInfo, HttpRoute } from './http-route.js';
import { RefusalLog, type WarnLog } from './refusal-log.js';

export interface TwilioRouteLog extends WarnLog {
  error(obj: object, msg: string): void;
}

/**
 * Twilio's inbound SMS webhook on the HTTPS listener: the signature is checked against the URL
 * Twilio was given (public_url + the route path + the query as received), since behind NAT or a
 * reverse proxy the listener cannot know it. A forged or unsigned request gets 403, a malformed
 * one 400, both refused, counted and logged (rate-limited); a genuine one the empty TwiML, and the
 * message goes to `onInbound`. The body is never logged: a reply SMS may carry a code.
 */
export class TwilioWebhookRoute implements HttpRoute {
  readonly method = 'POST' as const;
  readonly contentType = 'application/x-www-form-urlencoded' as const;
  private readonly refusals: RefusalLog;
  private accepted = 0;

  constructor(
    private readonly opts: {
      readonly path: string;
      readonly publicUrl: string;
      readonly authToken: string;
      readonly clock: Clock;
      readonly log: TwilioRouteLog;
      readonly onInbound: (sms: InboundSms) => void;
    },
  ) {
    this.refusals = new RefusalLog(opts.clock, opts.log, { event: 'sms_webhook_refused' });
  }

  get path(): string {
    return this.opts.path;
  }

  handle(req: HttpRequestInfo): HttpAnswer {
    const header = req.headers['x-twilio-signature'];
    const answer = handleTwilioWebhook({
      authToken: this.opts.authToken,
      url: `${this.opts.publicUrl}${this.opts.path}${req.query}`,
      rawBody: req.body,
      // A header sent twice arrives as a list: no single signature, so refused.
      signature: typeof header === 'string' ? header : undefined,
      receivedAt: this.opts.clock.now(),
      provider: 'twilio',
    });
    if (answer.refused) {
      this.refusals.refused(answer.refused, req.src, { status: answer.status });
    } else if (answer.inbound) {
      this.accepted++;
      try {
        this.opts.onInbound(answer.inbound);
      } catch (e) {
        // Twilio still gets its 200: the message arrived; the handler's failure is ours.
        this.opts.log.error(
          { event: 'sms_inbound_handler_failed', provider: 'twilio', error: String(e).slice(0, 120) },
          'the reply SMS handler failed',
        );
      }
    }
    return { status: answer.status, contentType: answer.contentType, body: answer.body };
  }

  /** For the stats event: accepted messages and refusals by reason, since start. */
  counters(): Record<string, number> {
    const out: Record<string, number> = { sms_webhook_accepted: this.accepted };
    for (const [reason, n] of Object.entries(this.refusals.snapshot()))
      out[`sms_webhook_refused_${reason}`] = n;
    return out;
  }
}
