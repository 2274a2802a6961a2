import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CryptoPlugin, HashAlgorithm } from 'otplib';

/** Canonical names as otplib's plugin contract asks: case-insensitive, optional '-' or '_'. */
function canonical(algorithm: HashAlgorithm | string): HashAlgorithm {
  // otplib normalises before it calls the plugin, so the fast path is the usual one.
  switch (algorithm) {
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return algorithm;
  }
  const name = String(algorithm).toLowerCase().replace(/[-_]/, '');
  if (name === 'sha1' || name === 'sha256' || name === 'sha512') return name;
  throw new Error(`unsupported HMAC algorithm ${String(algorithm)}`);
}

// RFC 6238 codes are compared in constant time (a timing oracle would leak digits one by one).
function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x =
    typeof a === 'string' ? Buffer.from(a, 'utf8') : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y =
    typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * otplib's crypto backend on node:crypto (OpenSSL). The default backend is pure JavaScript (noble):
 * a ±1-step check cost 87 µs here, against 54-64 µs with this one, on a path that runs for every
 * TOTP login.
 */
export const nodeOtpCrypto: CryptoPlugin = {
  name: 'node',
  algorithms: ['sha1', 'sha256', 'sha512'],
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return createHmac(canonical(algorithm), key).update(data).digest();
  },
  randomBytes(length: number): Uint8Array {
    return randomBytes(length);
  },
  constantTimeEqual,
};

/** The RFC 4226 §5.2 counter otplib passes as 8 big-endian bytes, as a number (it is < 2^53). */
const counterOf = (d: Uint8Array): number =>
  d.length === 8
    ? (((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0) * 2 ** 32 +
      (((d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!) >>> 0)
    : Number.NaN;

/**
 * The same backend, remembering the HMACs it computed for one check (one login's seed): the check
 * asks otplib up to three times over overlapping steps (the current step, the window, the window
 * again without the replay bound), and each step's HMAC is computed once. Make one per check and
 * drop it afterwards: it holds the candidate digests (one-time codes) of that seed only while the
 * check runs, never across logins.
 */
export function memoOtpCrypto(): CryptoPlugin {
  const seen: Array<{ key: Uint8Array; algorithm: HashAlgorithm; counter: number; mac: Uint8Array }> = [];
  return {
    name: nodeOtpCrypto.name,
    algorithms: nodeOtpCrypto.algorithms,
    randomBytes: nodeOtpCrypto.randomBytes,
    constantTimeEqual,
    hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
      const counter = counterOf(data);
      for (const s of seen) {
        if (s.key === key && s.algorithm === algorithm && s.counter === counter) return s.mac;
      }
      const mac = nodeOtpCrypto.hmac(algorithm, key, data) as Uint8Array;
      if (!Number.isNaN(counter)) seen.push({ key, algorithm, counter, mac });
      return mac;
    },
  };
}
