import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  allowedCountries,
  MAX_PER_DAY,
  smsBudgetsSchema,
  smsPolicySchema,
} from '../../../src/sms/budget-schema.js';
import { MemoryCounterStore } from '../../../src/sms/budget-counters.js';
import { BUDGET_LIMITS, SmsBudget } from '../../../src/sms/sms-budget.js';

const problems = (input: unknown): string => {
  const r = smsPolicySchema.safeParse(input);
  if (r.success) throw new Error('expected the config to be refused');
  return z.prettifyError(r.error);
};

describe('sms budgets config', () => {
  it('the defaults are safe: a bounded day in total, a handful per user, hour ≤ day everywhere', () => {
    const d = smsBudgetsSchema.parse(undefined);
    expect(d).toEqual({
      per_user: { hour: 5, day: 10 },
      per_client: { hour: 60, day: 300 },
      per_country: { hour: 100, day: 500 },
      total: { hour: 100, day: 500 },
    });
    expect(d.total.day).toBeLessThanOrEqual(1000);
    expect(d.per_user.day).toBeLessThanOrEqual(10);
    for (const l of Object.values(d)) expect(l.hour).toBeLessThanOrEqual(l.day);
    // No scope's daily limit exceeds the total: the total is the bound on the bill.
    for (const l of Object.values(d)) expect(l.day).toBeLessThanOrEqual(d.total.day);
  });

  it('has a limit for every counter the budget keeps', () => {
    const d = smsBudgetsSchema.parse({});
    const scope = { user: 'per_user', client: 'per_client', country: 'per_country', total: 'total' } as const;
    for (const limit of BUDGET_LIMITS) {
      const [s, w] = limit.split('_') as [keyof typeof scope, 'hour' | 'day'];
      expect(d[scope[s]][w]).toBeGreaterThan(0);
    }
  });

  it('fills in the keys an admin leaves out', () => {
    expect(smsBudgetsSchema.parse({ per_user: { hour: 3 }, total: { day: 2000 } })).toMatchObject({
      per_user: { hour: 3, day: 10 },
      total: { hour: 100, day: 2000 },
    });
  });

  it.each([
    [
      { default_country: 'DE', budgets: { per_user: { hour: 20 } } },
      'hour must not be larger than day',
      'budgets.per_user.hour',
    ],
    [
      { default_country: 'DE', budgets: { per_user: { minute: 3 } } },
      'Unrecognized key: "minute"',
      'budgets.per_user',
    ],
    [{ default_country: 'DE', budgets: { per_gateway: {} } }, 'Unrecognized key: "per_gateway"', 'budgets'],
    [{ default_country: 'DE', budgets: { total: { day: 0 } } }, '>=1', 'budgets.total.day'],
    [{ default_country: 'DE', budgets: { total: { day: 2.5 } } }, 'expected int', 'budgets.total.day'],
    [
      { default_country: 'DE', budgets: { total: { day: MAX_PER_DAY + 1 } } },
      '<=1000000',
      'budgets.total.day',
    ],
    [{ default_country: 'DE', budgets: { total: { day: '500' } } }, 'expected number', 'budgets.total.day'],
    [{}, 'set default_country (e.g. DE) or allowed_countries', 'allowed_countries'],
    [
      { default_country: 'Germany' },
      'expected an ISO 3166 alpha-2 country code such as DE or US',
      'default_country',
    ],
    [{ default_country: 'DE', allowed_countries: [] }, '>=1', 'allowed_countries'],
    [{ default_country: 'DE', allowed_countries: ['EU'] }, 'got "EU"', 'allowed_countries[0]'],
    [
      { default_country: 'DE', allowed_countries: ['+1'] },
      'list each one you send to, e.g. US, CA',
      'allowed_countries[0]',
    ],
    [{ allowed_countries: ['NANP'] }, 'list each one you send to', 'allowed_countries[0]'],
    [{ allowed_countries: ['1'] }, 'list each one you send to', 'allowed_countries[0]'],
    [{ default_country: 'DE', allowed: ['AT'] }, 'Unrecognized key: "allowed"', ''],
  ])('refuses %j: %s (at %s)', (input, message, path) => {
    const text = problems(input);
    expect(text).toContain(message);
    if (path) expect(text).toContain(`→ at ${path}`);
  });

  it('accepts country codes in any case and with spaces, and stores them upper case', () => {
    const p = smsPolicySchema.parse({ default_country: ' de ', allowed_countries: ['de', 'At', 'US', 'ca'] });
    expect(p.default_country).toBe('DE');
    expect(p.allowed_countries).toEqual(['DE', 'AT', 'US', 'CA']);
  });
});

describe('from config to budget', () => {
  it('the parsed config is what SmsBudget takes', async () => {
    const cfg = smsPolicySchema.parse({ default_country: 'de', budgets: { per_user: { hour: 1 } } });
    const budget = new SmsBudget({
      counters: new MemoryCounterStore(),
      limits: cfg.budgets,
      allowedCountries: allowedCountries(cfg),
    });
    const send = (country: string) => budget.tryConsume({ identityId: 'a', client: 'gw', country, now: 0 });
    expect(await send('AT')).toEqual({ ok: false, tripped: 'country_not_allowed' });
    expect((await send('DE')).ok).toBe(true);
    expect(await send('DE')).toMatchObject({ ok: false, tripped: 'user_hour' });
  });
});

describe('allowedCountries', () => {
  it.each([
    [{ default_country: 'DE' }, ['DE']],
    [{ default_country: 'DE', allowed_countries: ['DE', 'AT'] }, ['DE', 'AT']],
    // The list is the list: the default country is not added behind the admin's back.
    [{ default_country: 'DE', allowed_countries: ['AT'] }, ['AT']],
    [{ allowed_countries: ['US', 'CA'] }, ['US', 'CA']],
    [{}, []],
  ])('%j → %j', (input, expected) => {
    expect(allowedCountries(smsPolicySchema.safeParse(input).data ?? input)).toEqual(expected);
  });
});
