import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCodes } from '../shared/errors.js';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** RFC 7914 §2 parameters; 128·N·r = 32 MiB per hash, about 50-100 ms on a small appliance. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const SALT_BYTES = 16;
export const HASH_BYTES = 32;
// Upper bounds for parameters read back from the DB: a tampered row must not be able to make
// one login allocate gigabytes or spin for minutes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/**
 * Runs in the libuv threadpool (never scryptSync): a RADIUS server must keep answering other
 * requests and retransmissions while a hash is computed.
 */
function scryptAsync(pw: Buffer, salt: Buffer, len: number, params: ScryptParams): Promise<Buffer> {
  // Node refuses unless maxmem > 128·N·r (its default, 32 MiB, is exactly our default cost).
  const maxmem = 128 * params.N * params.r * 2;
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, len, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function checkParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const powerOfTwo = Number.isSafeInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !Number.isInteger(r) || r < 1 || r > MAX_R) {
    throw new AppError(ErrorCodes.STORE, 'scrypt parameters out of range', { N, r });
  }
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) {
    throw new AppError(ErrorCodes.STORE, 'scrypt parameters out of range', { p });
  }
}

/**
 * Returns `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`. Standard scrypt over the raw bytes, so hashes
 * can be migrated in from other tools. As with any PBKDF2-HMAC based KDF, trailing NUL bytes do not
 * change the result (HMAC zero-pads its key): the RADIUS layer strips RFC 2865 §5.2 padding first.
 */
export async function hashPassword(pw: Buffer, params: Partial<ScryptParams> = {}): Promise<string> {
  const full: ScryptParams = { ...DEFAULT_SCRYPT, ...params };
  checkParams(full);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(pw, salt, HASH_BYTES, full);
  return ['scrypt', full.N, full.r, full.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export interface Decoded {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Parses a stored hash; throws AppError STORE when it is malformed or its parameters are out of range. */
export function decodePasswordHash(encoded: string): Decoded {
  const parts = encoded.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (
    parts.length !== 6 ||
    scheme !== 'scrypt' ||
    !/^\d+$/.test(n ?? '') ||
    !/^\d+$/.test(r ?? '') ||
    !/^\d+$/.test(p ?? '') ||
    !b64.test(salt ?? '') ||
    !b64.test(hash ?? '')
  ) {
    throw new AppError(ErrorCodes.STORE, 'stored password hash is malformed');
  }
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  checkParams(params);
  const d = { params, salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') };
  if (d.hash.length < 16 || d.salt.length < 8) {
    throw new AppError(ErrorCodes.STORE, 'stored password hash is malformed');
  }
  return d;
}

/**
 * True if `pw` matches. A malformed stored hash is broken data, not a wrong password: it throws
 * AppError STORE so the admin sees it instead of a user who can never log in.
 */
export async function verifyPassword(pw: Buffer, encoded: string): Promise<boolean> {
  const d = decodePasswordHash(encoded);
  const candidate = await scryptAsync(pw, d.salt, d.hash.length, d.params);
  return timingSafeEqual(candidate, d.hash);
}

/** True if the stored hash uses other parameters than `params` (rehash after the next good login). */
export function needsRehash(encoded: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const d = decodePasswordHash(encoded);
  return d.params.N !== params.N || d.params.r !== params.r || d.params.p !== params.p;
}

export const DUMMY_SALT = randomBytes(SALT_BYTES);

/**
 * For an unknown user: spends the same scrypt work as a real verification and returns false, so
 * the response time does not tell an attacker which user names exist.
 */
export async function dummyVerify(pw: Buffer, params: ScryptParams = DEFAULT_SCRYPT): Promise<false> {
  checkParams(params);
  const candidate = await scryptAsync(pw, DUMMY_SALT, HASH_BYTES, params);
  timingSafeEqual(candidate, candidate);
  return false;
}
