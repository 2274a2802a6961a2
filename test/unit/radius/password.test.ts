import radius from 'radius';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { firstAttribute } from '../../../src/radius/frame.js';
import {
  decryptSalted,
  encryptSalted,
  hidePassword,
  MAX_PASSWORD_LENGTH,
  unhidePassword,
} from '../../../src/radius/password.js';
import { AppError } from '../../../src/shared/errors.js';
import { frameOf, SeededRng } from './helpers.js';

const secret = Buffer.from('password-secret');
const rng = new SeededRng(52);

/** Printable ASCII (no NUL, so no stripping surprises), `n` octets. */
const password = (n: number) => Buffer.from(Array.from({ length: n }, () => 0x21 + rng.int(94)));

beforeAll(() => loadDictionaries());

describe('User-Password hiding (RFC 2865 §5.2)', () => {
  it.each([0, 1, 15, 16, 17, 100, 128])('round-trips a %i-octet password', (n) => {
    const plain = password(n);
    const auth = rng.bytes(16);
    const hidden = hidePassword(plain, secret, auth);
    expect(hidden.length).toBe(Math.max(16, Math.ceil(n / 16) * 16));
    expect(hidden.subarray(0, n).equals(plain) && n > 0).toBe(false);
    expect(unhidePassword(hidden, secret, auth)).toEqual({ ok: true, value: plain });
    // Another secret or authenticator yields something else, not an error.
    const other = unhidePassword(hidden, Buffer.from('other'), auth);
    expect(other.ok && other.value.equals(plain)).toBe(false);
  });

  it.each([1, 15, 16, 17, 100, 128])('matches the radius package for %i octets', (n) => {
    const plain = password(n).toString('latin1');
    const auth = rng.bytes(16);
    const args = {
      code: 'Access-Request',
      secret: secret.toString(),
      authenticator: auth,
      attributes: [['User-Password', plain]],
    };
    const theirs = firstAttribute(frameOf(radius.encode(args)), 2)!;
    expect(hidePassword(Buffer.from(plain, 'latin1'), secret, auth).toString('hex')).toBe(
      theirs.toString('hex'),
    );
  });

  it('pads an empty password to one block of 16 (the radius package sends none)', () => {
    expect(hidePassword(Buffer.alloc(0), secret, rng.bytes(16)).length).toBe(16);
  });

  it.each([0, 8, 15, 17, 33, 144])('unhide refuses a %i-octet value', (n) => {
    expect(unhidePassword(Buffer.alloc(n, 1), secret, rng.bytes(16))).toEqual({
      ok: false,
      error: 'bad_length',
    });
  });

  it('strips only trailing NUL padding', () => {
    const auth = rng.bytes(16);
    const plain = Buffer.from('a\0b\0\0');
    expect(unhidePassword(hidePassword(plain, secret, auth), secret, auth)).toEqual({
      ok: true,
      value: Buffer.from('a\0b'),
    });
  });

  it('refuses to hide more than 128 octets or with a bad authenticator (bugs, so AppError)', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(128);
    expect(() => hidePassword(Buffer.alloc(129, 0x41), secret, rng.bytes(16))).toThrow(AppError);
    expect(() => hidePassword(Buffer.from('x'), secret, Buffer.alloc(15))).toThrow(AppError);
    expect(unhidePassword(Buffer.alloc(16), secret, Buffer.alloc(8))).toEqual({
      ok: false,
      error: 'bad_length',
    });
  });
});

describe('salt encryption (RFC 2868 §3.5, RFC 2548 §2.4.2)', () => {
  const salt = Buffer.from([0x80 | 0x12, 0x34]);

  it.each([0, 1, 15, 16, 32, 239])('round-trips %i octets', (n) => {
    const plain = rng.bytes(n);
    const auth = rng.bytes(16);
    const value = encryptSalted(plain, secret, auth, salt);
    expect(value.subarray(0, 2)).toEqual(salt);
    expect((value.length - 2) % 16).toBe(0);
    expect(value.length - 2).toBe(Math.ceil((n + 1) / 16) * 16);
    expect(decryptSalted(value, secret, auth)).toEqual({ ok: true, value: plain });
  });

  it('a different salt gives a different ciphertext', () => {
    const auth = rng.bytes(16);
    const a = encryptSalted(Buffer.from('key'), secret, auth, salt);
    const b = encryptSalted(Buffer.from('key'), secret, auth, Buffer.from([0x80, 0x01]));
    expect(a.subarray(2).equals(b.subarray(2))).toBe(false);
  });

  it('refuses a salt without the high bit, and values over 239 octets', () => {
    expect(() => encryptSalted(Buffer.from('k'), secret, rng.bytes(16), Buffer.from([0x12, 0x34]))).toThrow(
      AppError,
    );
    expect(() => encryptSalted(Buffer.from('k'), secret, rng.bytes(16), Buffer.from([0x80]))).toThrow(
      AppError,
    );
    expect(() => encryptSalted(Buffer.alloc(240), secret, rng.bytes(16), salt)).toThrow(AppError);
  });

  it.each([0, 2, 17, 19, 33])('decrypt refuses a %i-octet value', (n) => {
    expect(decryptSalted(Buffer.alloc(n, 0x80), secret, rng.bytes(16))).toEqual({
      ok: false,
      error: 'bad_length',
    });
  });

  it('decrypt refuses a length octet that points past the data (wrong secret, usually)', () => {
    const auth = rng.bytes(16);
    const value = encryptSalted(Buffer.alloc(0), secret, auth, salt);
    // Under the right secret the length octet is 0; find a secret under which it decodes past 15.
    let refused = 0;
    for (let i = 0; i < 64; i++) {
      const r = decryptSalted(value, Buffer.from(`wrong-${i}`), auth);
      if (!r.ok) refused++;
      else expect(r.value.length).toBeLessThanOrEqual(15);
    }
    expect(refused).toBeGreaterThan(0);
  });
});
