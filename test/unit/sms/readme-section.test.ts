import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { smsSchema } from '../../../src/sms/sms-schema.js';

/** The README draft is the admin's manual: every YAML example in it must be a valid `sms:` section. */
const text = readFileSync('src/sms/README-section.md', 'utf8');
const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('SMS README section examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(blocks.map((b, i) => [i, b] as const))('example %i is a valid sms section', (_i, block) => {
    const doc = YAML.parse(block) as { sms?: unknown };
    const r = smsSchema.safeParse(doc.sms);
    expect(r.success, r.success ? '' : JSON.stringify(r.error.issues)).toBe(true);
  });

  it('names every provider type and every *_file key the schema has', () => {
    for (const t of ['http', 'twilio', 'vonage', 'messagebird', 'smseagle', 'smpp'])
      expect(text).toContain(`\`${t}\``);
    const schemaText = readFileSync('src/sms/sms-schema.ts', 'utf8');
    const fileKeys = new Set([...schemaText.matchAll(/\b([a-z_]+_file):/g)].map((m) => m[1]!));
    for (const k of fileKeys) if (k !== 'ca_file') expect(text).toContain(`\`${k}\``);
  });
});
