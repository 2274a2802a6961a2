import { readFileSync } from 'node:fs';
import type { Rng } from '../../../src/shared/clock.js';
import { type EncodeOptions, encodeAttribute } from '../../../src/radius/attributes.js';
import { type Frame, parseFrame } from '../../../src/radius/frame.js';

/** '01 02 ff' or '0102ff' → Buffer. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** parseFrame that fails the test on a framing error. */
export function frameOf(datagram: Buffer): Frame {
  const r = parseFrame(datagram);
  if (!r.ok) throw new Error(`expected a valid frame, got ${r.error}`);
  return r.value;
}

/** Deterministic PRNG (mulberry32) so fuzz and oracle tests replay identically. */
export class SeededRng implements Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/radius/${name}`, import.meta.url), 'utf8')) as T;
}

/** encodeAttribute that fails the test on an error. */
export function encoded(
  name: string | number,
  value: string | number | Buffer,
  opts?: EncodeOptions,
): Buffer[] {
  const r = encodeAttribute({ name, value }, opts);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
