import { createHmac, hash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacMd5Key, hmacKey, jsMd5, md5, opensslMd5 } from '../../../src/radius/md5.js';

describe('md5', () => {
  it.each([
    // RFC 1321 §A.5
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      '57edf4a22be3c955ac49da2e2107b67a',
    ],
  ])('RFC 1321 vector %j', (input, expected) => {
    expect(md5(Buffer.from(input)).toString('hex')).toBe(expected);
  });

  it('matches node:crypto for every length 0-300 and every split into two parts', () => {
    for (let n = 0; n <= 300; n++) {
      const m = randomBytes(n);
      const want = hash('md5', m, 'buffer');
      expect(md5(m).equals(want)).toBe(true);
      const cut = (n * 7) % (n + 1);
      expect(md5(m.subarray(0, cut), m.subarray(cut)).equals(want)).toBe(true);
    }
  });

  it('the TypeScript and OpenSSL (jitless) implementations agree, in parts or whole', () => {
    for (let n = 0; n <= 200; n++) {
      const m = randomBytes(n);
      expect(jsMd5(m).equals(opensslMd5(m))).toBe(true);
      expect(jsMd5(m.subarray(0, n >> 1), m.subarray(n >> 1)).equals(opensslMd5(m))).toBe(true);
      const key = randomBytes(n % 90);
      expect(new HmacMd5Key(key, true).mac(m).equals(new HmacMd5Key(key, false).mac(m))).toBe(true);
    }
  });

  it('matches node:crypto on a large input and on many small parts', () => {
    const big = randomBytes(70_001);
    expect(md5(big).equals(hash('md5', big, 'buffer'))).toBe(true);
    const parts = Array.from({ length: 50 }, (_, i) => randomBytes(i % 13));
    expect(md5(...parts).equals(hash('md5', Buffer.concat(parts), 'buffer'))).toBe(true);
  });
});

describe('HMAC-MD5', () => {
  it.each([
    // RFC 2202 §2, test cases 1, 2, 3 and 6 (a key longer than the block)
    [Buffer.alloc(16, 0x0b), Buffer.from('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    [Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    [Buffer.alloc(16, 0xaa), Buffer.alloc(50, 0xdd), '56be34521d144c88dbb8c733f0e8b3f6'],
    [
      Buffer.alloc(80, 0xaa),
      Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
      '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
    ],
  ])('RFC 2202 vector %#', (key, data, expected) => {
    expect(new HmacMd5Key(key).mac(data).toString('hex')).toBe(expected);
  });

  it('matches node:crypto for random keys (0-100 octets) and messages, in parts or whole', () => {
    for (let n = 0; n <= 300; n++) {
      const key = randomBytes(n % 101);
      const m = randomBytes(n);
      const want = createHmac('md5', key).update(m).digest();
      const k = hmacKey(key);
      expect(k.mac(m).equals(want)).toBe(true);
      expect(k.mac(m.subarray(0, n >> 1), m.subarray(n >> 1)).equals(want)).toBe(true);
    }
  });

  it('prepares a key once per secret Buffer, and a MAC does not disturb a hash in between', () => {
    const secret = Buffer.from('s3cret');
    expect(hmacKey(secret)).toBe(hmacKey(secret));
    const a = hmacKey(secret).mac(Buffer.from('x'));
    md5(randomBytes(100));
    expect(hmacKey(secret).mac(Buffer.from('x')).equals(a)).toBe(true);
  });
});
