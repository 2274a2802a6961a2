import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { otpauthUri } from '../../../src/factors/otpauth.js';
import { base32Decode, base32Encode, generateTotpSecret } from '../../../src/factors/totp.js';
import type { Rng } from '../../../src/shared/clock.js';

// RFC 4648 §10 test vectors (padding removed, as authenticator apps expect).
const VECTORS: Array<[string, string]> = [
  ['f', 'MY'],
  ['fo', 'MZXQ'],
  ['foo', 'MZXW6'],
  ['foob', 'MZXW6YQ'],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI'],
];

describe('base32', () => {
  it('encodes the RFC 4648 vectors and decodes them back', () => {
    for (const [plain, encoded] of VECTORS) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded)).toEqual({ ok: true, value: Buffer.from(plain) });
    }
    expect(base32Encode(Buffer.alloc(0))).toBe('');
  });

  it('decodes as people type: lower case, spaces, hyphens and padding', () => {
    const want = { ok: true, value: Buffer.from('foobar') };
    expect(base32Decode('mzxw6ytboi')).toEqual(want);
    expect(base32Decode('MZXW 6YTB OI')).toEqual(want);
    expect(base32Decode('mzxw-6ytb-oi')).toEqual(want);
    expect(base32Decode('MZXW6YTBOI======')).toEqual(want);
    expect(base32Decode(' MZXW6YQ= ')).toEqual({ ok: true, value: Buffer.from('foob') });
  });

  it('rejects invalid characters and impossible lengths with a Result', () => {
    expect(base32Decode('MZXW1')).toEqual({ ok: false, error: 'invalid_character' });
    expect(base32Decode('MZXW0YTB')).toEqual({ ok: false, error: 'invalid_character' });
    expect(base32Decode('MZ=XW')).toEqual({ ok: false, error: 'invalid_character' });
    expect(base32Decode('A')).toEqual({ ok: false, error: 'invalid_length' });
    expect(base32Decode('ABC')).toEqual({ ok: false, error: 'invalid_length' });
    expect(base32Decode('ABCDEF')).toEqual({ ok: false, error: 'invalid_length' });
    expect(base32Decode('  ')).toEqual({ ok: false, error: 'empty' });
  });

  it('round-trips random secrets of every length from 1 to 64 bytes', () => {
    for (let len = 1; len <= 64; len++) {
      const data = randomBytes(len);
      const text = base32Encode(data);
      expect(text).toMatch(/^[A-Z2-7]+$/);
      expect(base32Decode(text)).toEqual({ ok: true, value: data });
    }
  });

  it('generateTotpSecret draws 20 bytes from the injected Rng', () => {
    const calls: number[] = [];
    const rng: Rng = {
      bytes: (k) => {
        calls.push(k);
        return Buffer.alloc(k, 7);
      },
    };
    expect(generateTotpSecret(rng)).toEqual(Buffer.alloc(20, 7));
    expect(calls).toEqual([20]);
  });
});

describe('otpauthUri', () => {
  it('builds the Key Uri Format', () => {
    const uri = otpauthUri({
      issuer: 'Example',
      account: 'alice',
      secret: Buffer.from('foobar'),
      digits: 6,
      period: 30,
      algorithm: 'sha1',
    });
    expect(uri).toBe(
      'otpauth://totp/Example:alice?secret=MZXW6YTBOI&issuer=Example&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('percent-encodes issuer and account (spaces as %20, reserved characters escaped)', () => {
    const secret = randomBytes(20);
    const uri = otpauthUri({
      issuer: 'ACME Co: VPN & more',
      account: "john.o'neil@example.com",
      secret,
      digits: 8,
      period: 60,
      algorithm: 'sha256',
    });
    expect(uri).toMatch(/^otpauth:\/\/totp\/ACME%20Co%3A%20VPN%20%26%20more:john\.o%27neil%40example\.com\?/);
    expect(uri).not.toContain('+');
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('issuer')).toBe('ACME Co: VPN & more');
    expect(url.searchParams.get('algorithm')).toBe('SHA256');
    expect(url.searchParams.get('digits')).toBe('8');
    expect(url.searchParams.get('period')).toBe('60');
    const decoded = base32Decode(url.searchParams.get('secret') ?? '');
    expect(decoded.ok && decoded.value.equals(secret)).toBe(true);
    expect(url.host).toBe('totp');
    const label = decodeURIComponent(url.pathname.slice(1));
    expect(label).toBe("ACME Co: VPN & more:john.o'neil@example.com");
  });
});
