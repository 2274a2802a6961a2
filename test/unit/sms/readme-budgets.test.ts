import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { smsBudgetsSchema, smsPolicySchema } from '../../../src/sms/budget-schema.js';
import {
  normalisePhoneNumber,
  PHONE_NUMBER_ERROR_KINDS,
  type PhoneNumberErrorKind,
} from '../../../src/sms/phone-number.js';
import { BUDGET_LIMITS } from '../../../src/sms/sms-budget.js';

/** The draft README section is held against the code, as README.md is (docs/readme-examples.test.ts). */
const text = readFileSync('src/sms/README-budgets.md', 'utf8');
const yamlBlocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

const ALL_KINDS: readonly PhoneNumberErrorKind[] = PHONE_NUMBER_ERROR_KINDS;

describe('src/sms/README-budgets.md', () => {
  it('has YAML examples, and each one is a valid sms section', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(2);
    for (const block of yamlBlocks) {
      const doc = YAML.parse(block) as { sms: unknown };
      expect(() => smsPolicySchema.parse(doc.sms)).not.toThrow();
    }
  });

  it('the budgets it calls the defaults are the defaults', () => {
    const first = YAML.parse(yamlBlocks[0]!) as { sms: { budgets: unknown } };
    expect(smsBudgetsSchema.parse(first.sms.budgets)).toEqual(smsBudgetsSchema.parse({}));
    expect(first.sms.budgets).toEqual(smsBudgetsSchema.parse({}));
  });

  it('the refusal table names every refusal kind, and no other', () => {
    const table = text.slice(text.indexOf('| refusal |'), text.indexOf('**Countries and +1.**'));
    const named = [...table.matchAll(/^\| ([^|]+) \|/gm)]
      .slice(1) // the header row (the separator row does not match)
      .flatMap((m) => [...m[1]!.matchAll(/`([a-z_]+)`/g)].map((k) => k[1]!));
    expect([...named].sort()).toEqual([...ALL_KINDS].sort());
  });

  it('every spelling it says is accepted is accepted', () => {
    const para = text.slice(
      text.indexOf('Accepted spellings include'),
      text.indexOf('; a national number needs'),
    );
    const spellings = [...para.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    expect(spellings.length).toBeGreaterThanOrEqual(5);
    for (const s of spellings) {
      expect(normalisePhoneNumber(s, { defaultCountry: 'DE' })).toMatchObject({
        ok: true,
        value: { e164: '+4915123456789' },
      });
    }
  });

  it('the +1 examples land where it says', () => {
    const region = (raw: string) => {
      const r = normalisePhoneNumber(raw);
      return r.ok ? r.value.region : r.error.kind;
    };
    expect(text).toContain('`+1 201 …` but not to Canada (`+1 506 …`) or Jamaica (`+1 876 …`)');
    expect(region('+1 201 555 0123')).toBe('US');
    expect(region('+1 506 234 5678')).toBe('CA');
    expect(region('+1 876 210 1234')).toBe('JM');
  });

  it('names every limit a send can trip', () => {
    for (const limit of [...BUDGET_LIMITS, 'country_not_allowed']) expect(text).toContain(`\`${limit}\``);
  });
});
