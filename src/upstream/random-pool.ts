import { randomFillSync } from 'node:crypto';
import type { Rng } from '../shared/clock.js';

/**
 * A CSPRNG behind a 4 KiB buffer: one randomFillSync call per 256 Request Authenticators instead
 * of one per packet. The bytes are as fresh and unpredictable as randomBytes(16) (RFC 2865 §3);
 * callers copy what they take (buildRequest copies the authenticator into the packet) before the
 * buffer is refilled.
 */
export class RandomPool implements Rng {
  private readonly buf = Buffer.allocUnsafe(4096);
  private off = this.buf.length;

  bytes(n: number): Buffer {
    if (n > this.buf.length) return randomFillSync(Buffer.allocUnsafe(n));
    if (this.off + n > this.buf.length) {
      randomFillSync(this.buf);
      this.off = 0;
    }
    const out = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return out;
  }
}
