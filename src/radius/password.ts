import { AppError, ErrorCodes } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { AUTHENTICATOR_LENGTH } from './codes.js';
import { md5 } from './md5.js';

/** RFC 2865 §5.2: the hidden User-Password is 16 to 128 octets, a multiple of 16. */
export const MAX_PASSWORD_LENGTH = 128;
const BLOCK = 16;
/** RFC 2868 §3.5 / RFC 2548 §2.4.2: one length octet plus the data must fit the 240-octet ciphertext. */
export const MAX_SALTED_LENGTH = 239;

/**
 * The RFC 2865 §5.2 / RFC 2868 §3.5 keystream: block i is XORed with MD5(secret + chain), where chain is
 * first `firstChain` (the authenticator, with the salt for RFC 2868), then the previous ciphertext block.
 * `encrypt` decides which side of the XOR is the ciphertext. Writes into `out` (same length as `input`).
 */
function md5Chain(input: Buffer, out: Buffer, secret: Buffer, firstChain: Buffer, encrypt: boolean): void {
  let chain = firstChain;
  for (let i = 0; i < input.length; i += BLOCK) {
    const b = md5(secret, chain);
    for (let j = 0; j < BLOCK; j++) out[i + j] = input[i + j]! ^ b[j]!;
    b.fill(0);
    // The next block chains on this block's ciphertext.
    chain = (encrypt ? out : input).subarray(i, i + BLOCK);
  }
}

function requireAuthenticator(authenticator: Buffer): void {
  if (authenticator.length !== AUTHENTICATOR_LENGTH) {
    throw new AppError(ErrorCodes.RADIUS_ENCODE, 'a RADIUS authenticator is 16 octets', {
      length: authenticator.length,
    });
  }
}

/**
 * RFC 2865 §5.2: pads `plain` with NULs to a multiple of 16 (at least 16) and hides it with the shared
 * secret and the Request Authenticator. Throws AppError(RADIUS_ENCODE) for a password over 128 octets,
 * which cannot be sent; check against MAX_PASSWORD_LENGTH first where the input comes from a user.
 */
export function hidePassword(plain: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  requireAuthenticator(authenticator);
  if (plain.length > MAX_PASSWORD_LENGTH) {
    throw new AppError(ErrorCodes.RADIUS_ENCODE, 'a User-Password is at most 128 octets (RFC 2865 §5.2)', {
      length: plain.length,
    });
  }
  const padded = Buffer.alloc(Math.max(BLOCK, Math.ceil(plain.length / BLOCK) * BLOCK));
  plain.copy(padded);
  const out = Buffer.allocUnsafe(padded.length);
  md5Chain(padded, out, secret, authenticator, true);
  padded.fill(0);
  return out;
}

/**
 * RFC 2865 §5.2: recovers a User-Password. The hidden value must be 16..128 octets, a multiple of 16;
 * trailing NUL padding is stripped. A wrong secret yields garbage, not an error: the caller's password
 * check is what fails.
 */
export function unhidePassword(
  hidden: Buffer,
  secret: Buffer,
  authenticator: Buffer,
): Result<Buffer, 'bad_length'> {
  if (hidden.length < BLOCK || hidden.length > MAX_PASSWORD_LENGTH || hidden.length % BLOCK !== 0) {
    return err('bad_length');
  }
  if (authenticator.length !== AUTHENTICATOR_LENGTH) return err('bad_length');
  const out = Buffer.allocUnsafe(hidden.length);
  md5Chain(hidden, out, secret, authenticator, false);
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return ok(out.subarray(0, end));
}

/**
 * RFC 2868 §3.5 (Tunnel-Password) and RFC 2548 §2.4.2 (MS-MPPE-Send-Key / -Recv-Key): a 2-octet salt
 * (high bit set, unique within the packet), then a length octet + `plain` + NUL padding, encrypted with
 * MD5(secret + Request Authenticator + salt) chained over the ciphertext. Returns salt || ciphertext;
 * a Tunnel-Password's tag octet, if any, goes in front of that. Throws AppError(RADIUS_ENCODE) on a bad
 * salt or a value over 239 octets.
 */
export function encryptSalted(
  plain: Buffer,
  secret: Buffer,
  requestAuthenticator: Buffer,
  salt: Buffer,
): Buffer {
  requireAuthenticator(requestAuthenticator);
  // RFC 2868 §3.5: "The most significant bit (leftmost) of the Salt field MUST be set (1)."
  if (salt.length !== 2 || (salt[0]! & 0x80) === 0) {
    throw new AppError(ErrorCodes.RADIUS_ENCODE, 'a salt is 2 octets with the high bit set (RFC 2868 §3.5)');
  }
  if (plain.length > MAX_SALTED_LENGTH) {
    throw new AppError(ErrorCodes.RADIUS_ENCODE, 'a salt-encrypted value is at most 239 octets', {
      length: plain.length,
    });
  }
  const padded = Buffer.alloc(Math.ceil((plain.length + 1) / BLOCK) * BLOCK);
  padded[0] = plain.length;
  plain.copy(padded, 1);
  const out = Buffer.allocUnsafe(2 + padded.length);
  salt.copy(out, 0);
  md5Chain(padded, out.subarray(2), secret, Buffer.concat([requestAuthenticator, salt]), true);
  padded.fill(0);
  return out;
}

/** Reverses encryptSalted: `value` is salt || ciphertext (tag octet already removed). */
export function decryptSalted(
  value: Buffer,
  secret: Buffer,
  requestAuthenticator: Buffer,
): Result<Buffer, 'bad_length'> {
  const cipherLength = value.length - 2;
  if (
    cipherLength < BLOCK ||
    cipherLength % BLOCK !== 0 ||
    requestAuthenticator.length !== AUTHENTICATOR_LENGTH
  ) {
    return err('bad_length');
  }
  const salt = value.subarray(0, 2);
  const out = Buffer.allocUnsafe(cipherLength);
  md5Chain(value.subarray(2), out, secret, Buffer.concat([requestAuthenticator, salt]), false);
  const dataLength = out[0]!;
  if (dataLength > cipherLength - 1) return err('bad_length');
  return ok(out.subarray(1, 1 + dataLength));
}
