import type { Logger } from '../observability/logger.js';
import type { Decision, ReplyAttribute } from '../pipeline/types.js';
import { encodeAttribute, rawTlv, replyMessageAttributes } from '../radius/attributes.js';
import { Attr, PacketCode } from '../radius/codes.js';
import { isPassThrough, mergeReply } from './reply-merge.js';

/**
 * Turns a decision into a packet code and attributes. The gateway only sees a generic
 * Reply-Message; the reason stays in the audit log.
 */
export class DecisionEncoder {
  /** Reply attributes mostly come from frozen config objects: encode each once. */
  private readonly cache = new WeakMap<ReplyAttribute, Buffer[]>();

  constructor(
    private readonly rejectMessage: string,
    private readonly log: Logger,
  ) {}

  encode(decision: Decision): { code: number; attributes: Buffer[] } {
    switch (decision.kind) {
      case 'accept':
        return { code: PacketCode.AccessAccept, attributes: this.encodeAll(decision.attributes) };
      case 'reject': {
        const text = decision.replyMessage ?? this.rejectMessage;
        return { code: PacketCode.AccessReject, attributes: text ? replyMessageAttributes(text) : [] };
      }
      case 'challenge': {
        const timeout = Buffer.alloc(4);
        timeout.writeUInt32BE(decision.timeoutSec);
        return {
          code: PacketCode.AccessChallenge,
          attributes: [
            // RFC 2865 §4.4: State, Reply-Message and Session-Timeout may accompany an Access-Challenge.
            rawTlv(Attr.State, decision.state),
            ...replyMessageAttributes(decision.prompt),
            rawTlv(Attr.SessionTimeout, timeout),
            ...this.encodeAll(decision.attributes ?? []),
          ],
        };
      }
    }
  }

  private encodeAll(list: readonly ReplyAttribute[]): Buffer[] {
    const out: Buffer[] = [];
    const passThrough: ReplyAttribute[] = [];
    for (const attr of list) {
      // Raw upstream attributes are merged after the configured ones are known (reply-merge.ts).
      if (isPassThrough(attr)) {
        passThrough.push(attr);
        continue;
      }
      let encoded = this.cache.get(attr);
      if (!encoded) {
        encoded = this.encodeOne(attr);
        if (!encoded) continue;
        this.cache.set(attr, encoded);
      }
      out.push(...encoded);
    }
    if (passThrough.length === 0) return out;
    const upstream: Buffer[] = [];
    for (const attr of mergeReply(passThrough, out)) upstream.push(...(this.encodeOne(attr) ?? []));
    return [...upstream, ...out];
  }

  private encodeOne(attr: ReplyAttribute): Buffer[] | undefined {
    const r = encodeAttribute(attr);
    if (r.ok) return r.value;
    // A bad attribute in policy must not turn an accept into silence: log it, send the rest.
    this.log.error(
      { event: 'reply_attribute_error', attribute: String(attr.name), error: r.error },
      'reply attribute dropped',
    );
    return undefined;
  }
}
