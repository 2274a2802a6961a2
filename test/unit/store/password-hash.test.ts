import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors.js';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../../../src/store/password-hash.js';

const FAST = { N: 2 ** 10 }; // keeps most tests quick; one test covers the default cost

describe('scrypt password hashing', () => {
  it('hashes in the documented format with the default parameters, and verifies', async () => {
    const encoded = await hashPassword(Buffer.from('correct horse'));
    expect(encoded).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword(Buffer.from('correct horse'), encoded)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horsE'), encoded)).toBe(false);
  });

  it('rejects wrong passwords, including prefixes, case changes and the empty one', async () => {
    const encoded = await hashPassword(Buffer.from('s3cret'), FAST);
    for (const wrong of ['s3cre', 's3cret ', '', 'S3CRET', '\0s3cret']) {
      expect(await verifyPassword(Buffer.from(wrong), encoded)).toBe(false);
    }
    expect(await verifyPassword(Buffer.from('s3cret'), encoded)).toBe(true);
  });

  it('documents the PBKDF2/HMAC property: trailing NUL bytes do not change the hash', async () => {
    // HMAC zero-pads keys, so scrypt cannot tell 's3cret' from 's3cret\0'. Harmless (no secret is
    // gained), but it is why the RADIUS layer must strip the RFC 2865 §5.2 padding itself.
    const encoded = await hashPassword(Buffer.from('s3cret'), FAST);
    expect(await verifyPassword(Buffer.from('s3cret\0\0'), encoded)).toBe(true);
  });

  it('salts: the same password hashes differently twice, and both verify', async () => {
    const a = await hashPassword(Buffer.from('pw'), FAST);
    const b = await hashPassword(Buffer.from('pw'), FAST);
    expect(a).not.toBe(b);
    expect(await verifyPassword(Buffer.from('pw'), a)).toBe(true);
    expect(await verifyPassword(Buffer.from('pw'), b)).toBe(true);
  });

  it('handles non-UTF-8 password bytes', async () => {
    const pw = Buffer.from([0xff, 0x00, 0x80, 0x41]);
    const encoded = await hashPassword(pw, FAST);
    expect(await verifyPassword(pw, encoded)).toBe(true);
    expect(await verifyPassword(Buffer.from([0xff, 0x00, 0x80]), encoded)).toBe(false);
  });

  it('throws AppError on a malformed or dangerous stored hash rather than answering false', async () => {
    const good = await hashPassword(Buffer.from('pw'), FAST);
    const parts = good.split('$');
    const bad = [
      '',
      'bcrypt$2b$10$abc',
      good.replace('scrypt$', 'scrypt2$'),
      [parts[0], '1000', ...parts.slice(2)].join('$'), // N not a power of two
      [parts[0], String(2 ** 24), ...parts.slice(2)].join('$'), // N too large: a DoS via a tampered row
      [...parts.slice(0, 5), '!!!'].join('$'),
    ];
    for (const b of bad) await expect(verifyPassword(Buffer.from('pw'), b)).rejects.toBeInstanceOf(AppError);
  });

  it('needsRehash spots hashes made with other parameters', async () => {
    expect(needsRehash(await hashPassword(Buffer.from('pw'), FAST))).toBe(true);
    expect(needsRehash(await hashPassword(Buffer.from('pw')))).toBe(false);
  });

  it('runs in the threadpool: a timer keeps firing while four default-cost hashes run', async () => {
    let pending = true;
    let ticks = 0;
    const timer = setInterval(() => {
      if (pending) ticks++;
    }, 1);
    // Had the hashes run on the event loop (scryptSync), they would all finish before any timer
    // callback, and `pending` would be cleared before the first tick: ticks would be 0.
    const hashes = await Promise.all([1, 2, 3, 4].map((i) => hashPassword(Buffer.from(`pw${i}`))));
    pending = false;
    clearInterval(timer);
    expect(hashes).toHaveLength(4);
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it('dummyVerify returns false and costs about as much as a real verification', async () => {
    const encoded = await hashPassword(Buffer.from('pw'));
    const time = async (fn: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 3; i++) {
      real.push(await time(() => verifyPassword(Buffer.from('wrong'), encoded)));
      dummy.push(await time(() => dummyVerify(Buffer.from('wrong'))));
    }
    expect(await dummyVerify(Buffer.from('pw'))).toBe(false);
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
    // Generous bounds: shared CI machines are noisy, but skipping scrypt would be >10x faster.
    expect(median(dummy) / median(real)).toBeGreaterThan(0.4);
    expect(median(dummy) / median(real)).toBeLessThan(2.5);
  });
});
