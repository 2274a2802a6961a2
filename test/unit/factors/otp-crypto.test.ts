import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoOtpCrypto, nodeOtpCrypto } from '../../../src/factors/otp-crypto.js';

/** The RFC 4226 §5.2 counter as otplib hands it to the plugin: 8 bytes, big-endian. */
const counterBytes = (n: number): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return new Uint8Array(b);
};

describe('otplib crypto plugins', () => {
  it('nodeOtpCrypto: the RFC 4226 Appendix D HMAC-SHA-1 values, for every spelling otplib may pass', () => {
    const key = Buffer.from('12345678901234567890');
    // RFC 4226 Appendix D, count 0 and 1.
    const want = ['cc93cf18508d94934c64b65d8ba7667fb7cde4b0', '75a48a19d4cbe100644e8ac1397eea747a2d33ab'];
    for (const [i, hex] of want.entries()) {
      for (const name of ['sha1', 'SHA1', 'sha-1', 'SHA_1'])
        expect(Buffer.from(nodeOtpCrypto.hmac(name as 'sha1', key, counterBytes(i)) as Uint8Array).toString('hex')).toBe(hex);
    }
    expect(() => nodeOtpCrypto.hmac('md5' as 'sha1', key, counterBytes(0))).toThrow(/unsupported/);
  });

  it('memoOtpCrypto computes each (seed, algorithm, step) HMAC once and returns the same digest', () => {
    const key = randomBytes(20);
    const memo = memoOtpCrypto();
    const first = memo.hmac('sha1', key, counterBytes(56_666_666)) as Uint8Array;
    expect(Buffer.from(first)).toEqual(createHmac('sha1', key).update(counterBytes(56_666_666)).digest());
    // Same step, a fresh counter buffer (otplib makes a new one per call): the remembered digest.
    expect(memo.hmac('sha1', key, counterBytes(56_666_666))).toBe(first);
    // Another step, another algorithm or another seed object: computed, never mixed up.
    const next = memo.hmac('sha1', key, counterBytes(56_666_667)) as Uint8Array;
    expect(next).not.toBe(first);
    expect(Buffer.from(next)).toEqual(createHmac('sha1', key).update(counterBytes(56_666_667)).digest());
    const sha256 = memo.hmac('sha256', key, counterBytes(56_666_666)) as Uint8Array;
    expect(Buffer.from(sha256)).toEqual(createHmac('sha256', key).update(counterBytes(56_666_666)).digest());
    const other = randomBytes(20);
    expect(Buffer.from(memo.hmac('sha1', other, counterBytes(56_666_666)) as Uint8Array)).toEqual(
      createHmac('sha1', other).update(counterBytes(56_666_666)).digest(),
    );
    // A new memo (the next check) remembers nothing.
    expect(memoOtpCrypto().hmac('sha1', key, counterBytes(56_666_666))).not.toBe(first);
  });

  it('counters above 2^32 are told apart (the memo key uses all 8 bytes)', () => {
    const key = randomBytes(20);
    const memo = memoOtpCrypto();
    const low = memo.hmac('sha1', key, counterBytes(5)) as Uint8Array;
    const high = memo.hmac('sha1', key, counterBytes(2 ** 32 + 5)) as Uint8Array;
    expect(Buffer.from(high)).toEqual(createHmac('sha1', key).update(counterBytes(2 ** 32 + 5)).digest());
    expect(Buffer.from(high).equals(Buffer.from(low))).toBe(false);
  });
});
