import { Attr, PacketCode } from '../radius/codes.js';
import type { Frame } from '../radius/frame.js';
import type { FailoverPool } from '../upstream/failover.js';
import type { AccountingLog } from './accounting-log.js';
import { type AccountingRecord, accountingJsonLine } from './accounting-record.js';

/** Where an Accounting-Request goes; true once it is safely recorded there (RFC 2866 §2). */
export interface AccountingSink {
  readonly kind: 'upstream' | 'local';
  record(frame: Frame, rec: AccountingRecord, budgetMs: number): Promise<boolean>;
}

/**
 * Forwards to the upstream accounting servers (same failover as authentication). The gateway's
 * attributes go unchanged except its Proxy-States (echoed to it by our own Accounting-Response) and
 * Message-Authenticator (signed with its secret); the upstream packet gets our Proxy-State and the
 * RFC 2866 §3 authenticator computed with the upstream's secret. True when the upstream answered
 * with a verified Accounting-Response.
 */
export class UpstreamAccountingSink implements AccountingSink {
  readonly kind = 'upstream';

  constructor(private readonly pool: FailoverPool) {}

  async record(frame: Frame, _rec: AccountingRecord, budgetMs: number): Promise<boolean> {
    const attributes: Buffer[] = [];
    for (const a of frame.attributes) {
      if (a.type === Attr.ProxyState || a.type === Attr.MessageAuthenticator) continue;
      attributes.push(frame.raw.subarray(a.offset, a.offset + 2 + a.value.length));
    }
    const r = await this.pool.send(
      { code: PacketCode.AccountingRequest, attributes, requireMessageAuthenticator: false },
      budgetMs,
    );
    return r.kind === 'answer';
  }
}

/** Appends to the local JSON-lines log; true once the line is on disk. */
export class LocalAccountingSink implements AccountingSink {
  readonly kind = 'local';

  constructor(private readonly log: AccountingLog) {}

  async record(frame: Frame, rec: AccountingRecord): Promise<boolean> {
    try {
      await this.log.append(accountingJsonLine(rec, frame));
      return true;
    } catch {
      return false;
    }
  }
}
