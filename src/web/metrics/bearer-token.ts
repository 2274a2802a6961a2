import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) against the configured token, in constant time:
 * both sides are hashed first, so neither the length nor a prefix of the token leaks by timing.
 */
export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    this.digest = sha256(token);
  }

  accepts(headers: IncomingHttpHeaders): boolean {
    const h = headers.authorization;
    const m = typeof h === 'string' ? /^Bearer[ ]+(\S+)[ ]*$/i.exec(h) : null;
    // Compared even when absent, so a missing header takes the same time as a wrong one.
    const ok = timingSafeEqual(sha256(m?.[1] ?? ''), this.digest);
    return ok && m !== null;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
