import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Rng } from '../../../src/shared/clock.js';
import { type CodeDigits, checkSmsCode, generateSmsCode } from '../../../src/sms/sms-code.js';

/** A reproducible stream: SHA-256(seed ‖ counter) blocks, so the statistics below never flake. */
function seededRng(seed: string): Rng {
  let counter = 0;
  let block = Buffer.alloc(0);
  let at = 0;
  const byte = (): number => {
    if (at === block.length) {
      block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      at = 0;
    }
    return block[at++]!;
  };
  return {
    bytes(n: number): Buffer {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = byte();
      return out;
    },
  };
}

/** Hands out the given 32-bit words, in order. */
function scriptedRng(words: number[]): Rng & { left(): number } {
  const queue = [...words];
  return {
    bytes(n: number): Buffer {
      expect(n).toBe(4);
      const w = queue.shift();
      if (w === undefined) throw new Error('scripted Rng ran dry');
      const b = Buffer.alloc(4);
      b.writeUInt32BE(w, 0);
      return b;
    },
    left: () => queue.length,
  };
}

const chiSquare = (counts: readonly number[], expected: number): number =>
  counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);

/** χ² of each digit position over 10 bins (9 degrees of freedom). */
function digitChiSquares(codes: readonly string[], digits: number): number[] {
  const counts = Array.from({ length: digits }, () => new Array<number>(10).fill(0));
  for (const c of codes) for (let p = 0; p < digits; p++) counts[p]![Number(c[p])]! += 1;
  return counts.map((row) => chiSquare(row, codes.length / 10));
}

// χ²(9): P(X < 1.152) = 0.001 and P(X > 27.877) = 0.001.
const CHI9_LOW = 1.152;
const CHI9_HIGH = 27.877;
const DRAWS = 100_000;

describe('generateSmsCode', () => {
  it.each([6, 7, 8] as const)(
    'draws %i-digit codes, each digit position uniform (χ² over 100k draws)',
    (digits) => {
      const rng = seededRng(`uniform-${digits}`);
      const codes = Array.from({ length: DRAWS }, () => generateSmsCode(rng, digits));
      const shape = new RegExp(`^[0-9]{${digits}}$`);
      expect(codes.filter((c) => !shape.test(c))).toEqual([]);
      for (const x of digitChiSquares(codes, digits)) {
        expect(x).toBeGreaterThan(CHI9_LOW);
        expect(x).toBeLessThan(CHI9_HIGH);
      }
    },
  );

  it('spreads 6-digit codes evenly over the whole range (χ² over 1000 bins of 1000 codes)', () => {
    const rng = seededRng('range');
    const bins = new Array<number>(1000).fill(0);
    for (let i = 0; i < DRAWS; i++) bins[Math.floor(Number(generateSmsCode(rng, 6)) / 1000)]! += 1;
    // 999 degrees of freedom: mean 999, standard deviation √1998 ≈ 44.7; ±5 σ.
    const x = chiSquare(bins, DRAWS / 1000);
    expect(x).toBeGreaterThan(999 - 5 * 44.7);
    expect(x).toBeLessThan(999 + 5 * 44.7);
  });

  it('the χ² check has the power to see a modulo-biased generator', () => {
    // The naive way: one byte per digit, `byte % 10` (256 = 25·10 + 6, so 0–5 come up more often).
    const rng = seededRng('biased');
    const codes = Array.from({ length: DRAWS }, () => [...rng.bytes(6)].map((b) => String(b % 10)).join(''));
    for (const x of digitChiSquares(codes, 6)) expect(x).toBeGreaterThan(CHI9_HIGH);
  });

  it('rejects draws at or above the largest multiple of 10^digits below 2^32 (no modulo bias)', () => {
    // 2^32 = 4294967296; the largest multiple of 10^6 not above it is 4294000000.
    const rng = scriptedRng([0xffff_ffff, 4_294_000_000, 4_293_999_999]);
    expect(generateSmsCode(rng, 6)).toBe('999999');
    expect(rng.left()).toBe(0);
    // For 10^8 the limit is 4200000000.
    const rng8 = scriptedRng([4_200_000_000, 4_199_999_999]);
    expect(generateSmsCode(rng8, 8)).toBe('99999999');
  });

  it.each([
    [0, 6, '000000'],
    [42, 6, '000042'],
    [1_000_000, 6, '000000'],
    [7, 7, '0000007'],
    [123, 8, '00000123'],
    [4_199_999_999, 8, '99999999'],
  ] as const)('draw %i as %i digits is %j (leading zeros kept)', (word, digits, code) => {
    expect(generateSmsCode(scriptedRng([word]), digits as CodeDigits)).toBe(code);
  });

  it('throws on a broken random source instead of looping or issuing a guessable code', () => {
    const stuck: Rng = { bytes: (n) => Buffer.alloc(n, 0xff) };
    expect(() => generateSmsCode(stuck, 6)).toThrow(/broken/);
  });

  it.each([5, 9, 6.5, 0])('refuses %s digits', (digits) => {
    expect(() => generateSmsCode(seededRng('x'), digits as CodeDigits)).toThrow(RangeError);
  });
});

describe('checkSmsCode', () => {
  it.each([
    ['123456', '123456', 'match'],
    [' 123456 ', '123456', 'match'],
    ['\t004217\n', '004217', 'match'],
    ['12345678', '12345678', 'match'],
    ['123457', '123456', 'mismatch'],
    ['654321', '123456', 'mismatch'],
    ['12345', '123456', 'mismatch'], // too short
    ['1234567', '123456', 'mismatch'], // too long
    ['4217', '004217', 'mismatch'], // leading zeros matter
    ['12345600', '123456', 'mismatch'], // padding cannot be typed to match
    ['123456', '12345600', 'mismatch'],
    ['00000000', '000000', 'mismatch'],
    ['', '123456', 'malformed'],
    ['   ', '123456', 'malformed'],
    ['12 3456', '123456', 'malformed'],
    ['12345a', '123456', 'malformed'],
    ['-123456', '123456', 'malformed'],
    ['１２３４５６', '123456', 'malformed'], // full-width digits
    ['123456789', '123456', 'malformed'], // longer than any code
    ['123456\u0000', '123456', 'malformed'],
  ] as const)('typed %j against %j: %s', (typed, issued, outcome) => {
    expect(checkSmsCode(typed, issued)).toBe(outcome);
  });

  it.each(['12345', '123456789', '12345a', ''])(
    'throws on an issued code that no generator makes: %j',
    (issued) => {
      expect(() => checkSmsCode('123456', issued)).toThrow(RangeError);
    },
  );

  it('matches every code it generates, and only that one', () => {
    const rng = seededRng('roundtrip');
    const wrong: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const issued = generateSmsCode(rng, 6);
      const other = String((Number(issued) + 1) % 1_000_000).padStart(6, '0');
      if (checkSmsCode(issued, issued) !== 'match' || checkSmsCode(other, issued) !== 'mismatch') {
        wrong.push(issued);
      }
    }
    expect(wrong).toEqual([]);
  });
});
