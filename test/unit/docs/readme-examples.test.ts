import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '../../../src/config/load.js';

/** The README is the admin's manual: every YAML example in it must be a valid config (or fragment). */
const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README YAML examples', () => {
  it('has examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('example %i validates against the config schema', (_i, block) => {
    const doc = (YAML.parse(block) ?? {}) as Record<string, unknown>;
    // Fragments (a directory or policy section alone) get the minimum around them.
    const full = { clients: [{ name: 'example', address: '10.0.0.0/8', secret: 'example-secret' }], ...doc };
    expect(() => parseConfig({ file: 'README.md', text: YAML.stringify(full) })).not.toThrow();
  });
});
