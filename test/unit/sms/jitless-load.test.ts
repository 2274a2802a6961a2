import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The appliance runs `node --jitless` (W^X): a library that touches WebAssembly or the fetch
 * globals when it loads kills the process there. libphonenumber-js is loaded here from the build,
 * exactly as the appliance would, with unhandled rejections fatal.
 */
const DIST = join(import.meta.dirname, '../../../dist/sms');

describe('SMS policy modules under node --jitless', () => {
  it('load and work from the build, with unhandled rejections fatal', () => {
    for (const f of ['phone-number.js', 'sms-code.js', 'sms-budget.js', 'budget-schema.js']) {
      expect(existsSync(join(DIST, f)), `${f} missing from dist/sms: run npm run build`).toBe(true);
    }
    const script = `
      const pn = await import(${JSON.stringify(join(DIST, 'phone-number.js'))});
      const code = await import(${JSON.stringify(join(DIST, 'sms-code.js'))});
      const schema = await import(${JSON.stringify(join(DIST, 'budget-schema.js'))});
      const { cryptoRng } = await import(${JSON.stringify(join(DIST, '../shared/clock.js'))});
      const n = pn.normalisePhoneNumber('(0151) 234-56789', { defaultCountry: 'DE' });
      const c = code.generateSmsCode(cryptoRng, 6);
      const cfg = schema.smsPolicySchema.parse({ default_country: 'DE' });
      console.log(JSON.stringify({ n, log: pn.maskForLog(n.value), match: code.checkSmsCode(c, c), total: cfg.budgets.total }));
    `;
    const out = execFileSync(
      process.execPath,
      ['--jitless', '--unhandled-rejections=strict', '--input-type=module', '-e', script],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 },
    );
    expect(JSON.parse(out)).toEqual({
      n: { ok: true, value: { e164: '+4915123456789', callingCode: '49', region: 'DE' } },
      log: '+49•••••••89',
      match: 'match',
      total: { hour: 100, day: 500 },
    });
  });
});
