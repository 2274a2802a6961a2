import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { tuneRuntime } from '../../../src/cli/runtime-tuning.js';

describe('tuneRuntime', () => {
  it('leaves V8 alone when two or more CPUs are available', () => {
    expect(tuneRuntime(2)).toEqual([]);
    expect(tuneRuntime(8)).toEqual([]);
  });

  it('turns concurrent marking off on a single CPU, and the heap keeps working', () => {
    expect(tuneRuntime(1)).toEqual(['--no-concurrent-marking']);
    // Allocate through several collections with the flag in force.
    let keep: number[][] = [];
    for (let i = 0; i < 200; i++) {
      keep.push(new Array(10_000).fill(i));
      if (keep.length > 20) keep = keep.slice(10);
    }
    expect(keep.length).toBeGreaterThan(0);
    expect(getHeapStatistics().used_heap_size).toBeGreaterThan(0);
  });
});
