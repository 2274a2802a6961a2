import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSensitive } from '../../helpers/sensitive.js';
import { cli, STACK } from './cli-run.js';

/** Issue 10, part 2: `phone set|remove|list`, through the built CLI, under the local directory. */
const dir = mkdtempSync(join(tmpdir(), 'mfa-phonecli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT = 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n';
const SMS = (extra = '') =>
  [
    'sms:',
    '  default_country: DE',
    '  allowed_countries: [DE, AT]',
    ...(extra ? [extra] : []),
    '  providers:',
    '    - name: tw',
    '      type: twilio',
    `      account_sid: AC${'ab'.repeat(16)}`,
    '      auth_token: phone-cli-test-token',
    '      from: "+15005550006"',
    '      base_url: https://127.0.0.1:9',
    '',
  ].join('\n');

let n = 0;
function config(body: string): string {
  const sub = join(dir, `c${++n}`);
  mkdirSync(sub);
  const file = join(sub, 'config.yaml');
  writeFileSync(file, `data_dir: ${join(sub, 'data')}\n${CLIENT}${body}`);
  chmodSync(file, 0o600);
  return file;
}

const PHONE = '+4915123456789';
registerSensitive(PHONE, '0151 23456789', 'alice-pw-123');

describe('phone commands (local directory)', () => {
  let file: string;
  const phone = (...args: string[]) => cli(['phone', ...args, '--config', file]);

  beforeAll(async () => {
    file = config(SMS());
    const add = await cli(['user', 'add', 'Alice', '--password-stdin', '--config', file], {
      stdin: 'alice-pw-123\n',
    });
    expect(add.code, add.stderr).toBe(0);
  });

  it('phone set: a national number is read with default_country, stored as E.164 under the login identity, printed masked', async () => {
    const r = await phone('set', 'ALICE', '0151 23456789');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('phone +49•••••••89 (DE) enrolled for alice\n');
    expect(r.stdout + r.stderr).not.toContain('23456789');
    const again = await phone('set', 'alice', '+49 151 2345 6789');
    expect(again.stdout).toBe('phone +49•••••••89 (DE) replaced for alice\n');
  });

  it('phone list: masked by default, whole with --full, in both table and JSON', async () => {
    const masked = await phone('list', '--json');
    expect(masked.code, masked.stderr).toBe(0);
    const rows = JSON.parse(masked.stdout) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      { identity: 'alice', number: '+49•••••••89', country: 'DE', created: expect.any(String) },
    ]);
    expect(masked.stdout).not.toContain(PHONE);
    const table = await phone('list');
    expect(table.stdout).toMatch(
      /^IDENTITY\s+NUMBER\s+COUNTRY\s+CREATED\nalice\s+\+49•••••••89\s+DE\s+\d{4}-/,
    );
    expect(table.stdout).not.toContain(PHONE);
    const full = JSON.parse((await phone('list', '--json', '--full')).stdout) as Array<{ number: string }>;
    expect(full.map((x) => x.number)).toEqual([PHONE]);
    expect((await phone('list', '--full')).stdout).toContain(PHONE);
  });

  it('phone set refuses an unknown local user, as token add does', async () => {
    const r = await phone('set', 'nobody', PHONE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^MFA_ERR_USER_NOT_FOUND: no local user 'nobody'; add the user first/m);
    expect(r.stderr).not.toMatch(STACK);
  });

  it.each([
    ['a landline', '+49 30 1234567', 'not_mobile'],
    ['a desk phone with an extension', '+49 151 23456789 ext. 12', 'has_extension'],
    ['text', 'n/a', 'not_a_number'],
    ['too few digits', '+49 151', 'too_short'],
  ])(
    'phone set refuses %s with MFA_ERR_PHONE_INVALID and the kind, never echoing the number',
    async (_what, raw, kind) => {
      const r = await phone('set', 'alice', raw);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(`^MFA_ERR_PHONE_INVALID: the number is refused \\(${kind}\\): `, 'm'),
      );
      expect(r.stderr).not.toMatch(STACK);
      if (raw.length > 8) expect(r.stderr).not.toContain(raw.replace(/\D/g, '').slice(-7));
    },
  );

  it('phone set refuses a mobile of a country sms.allowed_countries does not list (it could never get an SMS)', async () => {
    const r = await phone('set', 'alice', '+33 6 12 34 56 78');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^MFA_ERR_PHONE_INVALID: the number is refused \(country_not_allowed\): it belongs to FR, and SMS may only go to DE, AT \(sms\.allowed_countries\)$/m,
    );
    // The refused number replaced nothing.
    const full = JSON.parse((await phone('list', '--json', '--full')).stdout) as Array<{ number: string }>;
    expect(full.map((x) => x.number)).toEqual([PHONE]);
  });

  it('phone remove: removes the enrolment, then says none is left', async () => {
    const r = await phone('remove', 'Alice');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('phone number removed for alice\n');
    expect(JSON.parse((await phone('list', '--json')).stdout)).toEqual([]);
    const again = await phone('remove', 'alice');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^MFA_ERR_PHONE_NOT_FOUND: no phone number is enrolled for alice \(identity alice\)/m,
    );
  });
});

describe('phone commands and the sms: section', () => {
  it('phone set without an sms: section is refused, naming the file; list and remove still work', async () => {
    const file = config('');
    const add = await cli(['user', 'add', 'bob', '--password-stdin', '--config', file], {
      stdin: 'bob-pw-1234\n',
    });
    expect(add.code, add.stderr).toBe(0);
    const r = await cli(['phone', 'set', 'bob', PHONE, '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `\nMFA_ERR_SMS_NOT_CONFIGURED: ${file} has no sms: section, so no SMS code can be sent; add one (README, "SMS codes") before enrolling phone numbers\n`,
    );
    expect(r.stderr).not.toMatch(STACK);
    const list = await cli(['phone', 'list', '--json', '--config', file]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect((await cli(['phone', 'remove', 'bob', '--config', file])).stderr).toMatch(
      /^MFA_ERR_PHONE_NOT_FOUND: /m,
    );
  });

  it('phone_sources without store: the enrolment is made, with a warning that logins will not use it', async () => {
    const file = config(SMS('  phone_sources: [mobile, phone]'));
    await cli(['user', 'add', 'carl', '--password-stdin', '--config', file], { stdin: 'carl-pw-1234\n' });
    const r = await cli(['phone', 'set', 'carl', PHONE, '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      '\nwarning: sms.phone_sources (mobile, phone) does not list store: logins will not use this number until it does\n',
    );
  });

  it('a phone_sources entry that is no source, or one listed twice, is a config error naming the key', async () => {
    for (const [list, msg] of [
      ['[store, ldap]', 'sms.phone_sources[1]'],
      ['[store, store]', 'each source may be listed once'],
      ['[]', 'sms.phone_sources'],
    ] as const) {
      const file = config(SMS(`  phone_sources: ${list}`));
      const r = await cli(['check-config', '--config', file]);
      expect(r.code, list).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });
});

describe('user remove and the phone enrolment', () => {
  it('user remove takes the phone enrolment with it (a later user of the same name would get it)', async () => {
    const file = config(SMS());
    const run = (args: string[], stdin?: string) => cli([...args, '--config', file], stdin ? { stdin } : {});
    expect((await run(['user', 'add', 'dora', '--password-stdin'], 'dora-pw-1234\n')).code).toBe(0);
    expect((await run(['phone', 'set', 'dora', PHONE])).code).toBe(0);
    const removed = await run(['user', 'remove', 'Dora']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse((await run(['phone', 'list', '--json'])).stdout)).toEqual([]);
  });
});
