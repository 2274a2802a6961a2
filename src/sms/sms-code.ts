import { timingSafeEqual } from 'node:crypto';
import type { Rng } from '../shared/clock.js';

/**
 * One-time codes sent by SMS: `digits` decimal digits drawn uniformly from the injected Rng (a
 * CSPRNG in production, `cryptoRng`), and the check of what the user typed.
 */

export const MIN_CODE_DIGITS = 6;
export const MAX_CODE_DIGITS = 8;
export type CodeDigits = 6 | 7 | 8;

const RANGE_32 = 2 ** 32;

/**
 * After this many rejected draws in a row the Rng is broken (each draw is rejected with
 * probability below 0.0023 for 8 digits, so 64 in a row is below 10^-168 for a working CSPRNG).
 */
const MAX_DRAWS = 64;

/**
 * A uniform code of `digits` digits, as a string so a leading zero is kept (`'004217'`).
 * Rejection sampling: a 32-bit draw is used only below the largest multiple of 10^digits that fits
 * in 2^32; `draw % 10^digits` over all 2^32 values would favour the low codes (modulo bias).
 */
export function generateSmsCode(rng: Rng, digits: CodeDigits = 6): string {
  if (!Number.isInteger(digits) || digits < MIN_CODE_DIGITS || digits > MAX_CODE_DIGITS) {
    throw new RangeError(`SMS codes have ${MIN_CODE_DIGITS} to ${MAX_CODE_DIGITS} digits, not ${digits}`);
  }
  const range = 10 ** digits;
  const limit = RANGE_32 - (RANGE_32 % range);
  for (let i = 0; i < MAX_DRAWS; i++) {
    const draw = rng.bytes(4).readUInt32BE(0);
    if (draw < limit) return String(draw % range).padStart(digits, '0');
  }
  // A bug or a broken entropy source, never an expected outcome: no code is better than a guessable one.
  throw new Error(`the random source returned ${MAX_DRAWS} out-of-range draws in a row: it is broken`);
}

export type CodeCheck = 'match' | 'mismatch' | 'malformed';

const DIGITS_ONLY = /^[0-9]+$/;
/** Both sides are copied into buffers of this size, so the comparison takes the same time for every length. */
const PAD = MAX_CODE_DIGITS;

/**
 * Compares the typed code with the issued one in constant time (no early exit on the first wrong
 * digit, and none on a wrong length). Surrounding spaces are ignored (a phone keyboard adds them);
 * anything else but ASCII digits is `malformed`, so the caller can tell a typo from a wrong code.
 */
export function checkSmsCode(typed: string, issued: string): CodeCheck {
  const t = typed.trim();
  if (t.length === 0 || t.length > PAD || !DIGITS_ONLY.test(t)) return 'malformed';
  if (issued.length < MIN_CODE_DIGITS || issued.length > PAD || !DIGITS_ONLY.test(issued)) {
    throw new RangeError('the issued SMS code is not 6 to 8 digits');
  }
  // Zero-padded to a fixed size: a digit is never 0x00, so a shorter code can never equal a longer one.
  const a = Buffer.alloc(PAD);
  const b = Buffer.alloc(PAD);
  a.write(t, 'latin1');
  b.write(issued, 'latin1');
  return timingSafeEqual(a, b) ? 'match' : 'mismatch';
}
