import { describe, expect, it } from 'vitest';
import { maskPhone, scrubPhone } from '../../../src/sms/mask.js';

describe('maskPhone', () => {
  it.each([
    ['+4915112345678', '+49•••••••••78'],
    ['+12025550123', '+12•••••••23'],
    ['4915112345678', '49•••••••••78'],
    ['+1234', '+••34'],
    ['12', '12'],
    ['', ''],
  ])('%s → %s', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });

  it('keeps no more than the country code and the last two digits', () => {
    const m = maskPhone('+4915112345678');
    expect(m.replace(/•/g, '')).toBe('+4978');
  });
});

describe('scrubPhone', () => {
  it('masks the number with and without "+" inside a provider message', () => {
    expect(scrubPhone('The To number +4915112345678 (4915112345678) is invalid', '+4915112345678')).toBe(
      'The To number +49•••••••••78 (+49•••••••••78) is invalid',
    );
  });
});
