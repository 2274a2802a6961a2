import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../../src/config/schema.js';
import { base32Encode } from '../../../src/factors/totp.js';
import { createIdentityResolver } from '../../../src/services/identity-resolver.js';
import { type ImportReport, renderReport } from '../../../src/services/import-report.js';
import { ImportService } from '../../../src/services/import-service.js';
import { mapMethod } from '../../../src/services/import-users.js';
import { Store } from '../../../src/store/store.js';

const SMS = {
  default_country: 'DE',
  providers: [
    {
      name: 'tw',
      type: 'twilio',
      account_sid: `AC${'ab'.repeat(16)}`,
      auth_token: 'x',
      from: '+15005550006',
      base_url: 'https://127.0.0.1:9',
    },
  ],
};

let dir: string;
let store: Store;
const service = (withSms = true) => {
  const config: Config = configSchema.parse({
    data_dir: dir,
    clients: [{ name: 'vpn', address: '127.0.0.1', secret: 'a-long-secret-here' }],
    ...(withSms ? { sms: SMS } : {}),
  });
  return new ImportService({
    config,
    configFile: '/etc/x.yaml',
    store,
    resolver: createIdentityResolver(config, store),
  });
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mfa-import-unit-'));
  store = Store.open(dir);
  store.users.add('alice@contoso.com', 'hash-not-used');
  store.users.add('bob', 'hash-not-used');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';
const row = (r: ImportReport, line: number) => r.rows.find((x) => x.line === line);

describe('import oath-csv', () => {
  it('dry run: reports and changes nothing; run: seals the secret under the resolved identity; again: skips', async () => {
    const secret = randomBytes(20);
    const b32 = base32Encode(secret);
    const csv = `\u{feff}${HEADER}\r\nAlice@Contoso.com,SN-1,${b32.toLowerCase()},30,Contoso,"OTP c200"\r\n`;
    const dry = await service().dryRun(csv, 'oath-csv');
    expect(dry.totals).toEqual({ imported: 1, skipped: 0, refused: 0 });
    expect(row(dry, 2)).toMatchObject({ outcome: 'imported', identity: 'alice@contoso.com' });
    expect(store.tokens.count()).toBe(0);

    const run = await service().run(csv, 'oath-csv');
    expect(run.totals).toEqual({ imported: 1, skipped: 0, refused: 0 });
    const [t] = store.tokens.secretsFor('alice@contoso.com');
    expect(t!.secret.equals(secret)).toBe(true);
    expect(t!.token).toMatchObject({ label: 'oath SN-1', period: 30, digits: 6, algorithm: 'sha1' });
    // Sealed at rest: neither the seed nor its base32 is in the database file.
    store.close();
    const db = readFileSync(join(dir, 'mfa.db'));
    expect(db.includes(secret)).toBe(false);
    expect(db.includes(Buffer.from(b32))).toBe(false);
    store = Store.open(dir);

    const again = await service().run(csv, 'oath-csv');
    expect(again.totals).toEqual({ imported: 0, skipped: 1, refused: 0 });
    expect(row(again, 2)).toMatchObject({ outcome: 'skipped', reason: 'already_imported' });
    expect(store.tokens.count()).toBe(1);
  });

  it.each([
    ['carol,S1,{key},30,,', 'unknown_user'],
    ['bob,S1,{key},60,,', 'bad_interval'],
    ['bob,S1,{key},,,', 'bad_interval'],
    ['bob,S1,NOT-BASE32-1!,30,,', 'bad_key'],
    ['bob,S1,MZXW6YTB,30,,', 'bad_key'],
    ['bob,,{key},30,,', 'missing_field'],
    [',S1,{key},30,,', 'missing_field'],
    ['bob,S1,{key},30,,,extra', 'bad_row'],
    ['"bob,S1,{key},30,,', 'bad_row'],
  ])('refuses %j: %s, and never repeats the key', async (line, reason) => {
    const key = base32Encode(randomBytes(20));
    const r = await service().run(`${HEADER}\n${line.replace('{key}', key)}\n`, 'oath-csv');
    expect(row(r, 2)).toMatchObject({ outcome: 'refused', reason });
    expect(store.tokens.count()).toBe(0);
    const text = renderReport(r, 'x.csv');
    expect(text).not.toContain(key);
    expect(text).not.toContain('NOT-BASE32');
    expect(text).not.toContain('MZXW6YTB');
  });

  it('refuses a serial or a token twice in one file, and a serial another user holds', async () => {
    const k1 = base32Encode(randomBytes(20));
    const k2 = base32Encode(randomBytes(20));
    const first = await service().run(`${HEADER}\nbob,S1,${k1},30,,\nbob,S1,${k2},30,,\n`, 'oath-csv');
    expect(row(first, 3)).toMatchObject({ outcome: 'refused', reason: 'duplicate_in_file' });
    const second = await service().run(`${HEADER}\nalice@contoso.com,S1,${k2},30,,\n`, 'oath-csv');
    expect(row(second, 2)).toMatchObject({ outcome: 'refused', reason: 'serial_taken' });
    expect(row(second, 2)!.detail).toContain('bob');
  });

  it('a file it cannot use is one error, nothing imported', async () => {
    expect((await service().run('', 'oath-csv')).fileError).toMatch(/empty/);
    expect((await service().run('upn,serial number\nbob,1\n', 'oath-csv')).fileError).toMatch(
      /no column "secret key", "time interval"/,
    );
    expect(
      (await service().run('upn;serial number;secret key;time interval\n', 'oath-csv')).fileError,
    ).toMatch(/semicolons/);
    expect((await service().run('u\u0000p\u0000n\u0000', 'oath-csv')).fileError).toMatch(/UTF-8/);
    expect((await service().run('username,office\nbob,HQ\n', 'users-csv')).fileError).toMatch(
      /neither a "phone" nor a "default method" column/,
    );
  });
});

describe('import users-csv', () => {
  const PHONE = '+4915123456789';
  it('sets phone and default method; masked in the report; a dry run changes nothing; a second run skips', async () => {
    const csv = `username,phone,default method\nbob,${PHONE},Text message\nalice@contoso.com,,OATH token\n`;
    const dry = await service().dryRun(csv, 'users-csv');
    expect(dry.totals).toEqual({ imported: 2, skipped: 0, refused: 0 });
    expect(store.phones.list()).toEqual([]);
    expect(store.methods.defaultFor('bob')).toBeUndefined();
    const run = await service().run(csv, 'users-csv');
    expect(store.phones.get('bob')).toBe(PHONE);
    expect(store.methods.defaultFor('bob')).toBe('sms');
    expect(store.methods.defaultFor('alice@contoso.com')).toBe('totp');
    const text = renderReport(run, 'u.csv');
    expect(text).toContain('+49•••••••89');
    expect(text).not.toContain('15123456789');
    expect(text).not.toContain('23456789');
    const again = await service().run(csv, 'users-csv');
    expect(again.totals).toEqual({ imported: 0, skipped: 2, refused: 0 });
  });

  it.each([
    ['bob,,Phone call', 'unsupported_method'],
    ['bob,,fax', 'unknown_method'],
    ['bob,+49 30 1234567,', 'bad_phone'],
    ['bob,+1 415 555 0100 x12,sms', 'bad_phone'],
    ['bob,+33 6 12 34 56 78,sms', 'bad_phone'],
    ['carol,+4915123456789,sms', 'unknown_user'],
    [',+4915123456789,sms', 'missing_field'],
  ])('refuses %j: %s', async (line, reason) => {
    const r = await service().run(`username,phone,default method\n${line}\n`, 'users-csv');
    expect(row(r, 2)).toMatchObject({ outcome: 'refused', reason });
    expect(store.phones.list()).toEqual([]);
    expect(renderReport(r, 'u.csv')).not.toMatch(/15123456789|1234567|6 12 34|555 0100/);
  });

  it("reads PowerShell's Export-Csv output: every field quoted, a #TYPE line first", async () => {
    const csv = `#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n"username","phone","default method"\r\n"bob","${PHONE}","sms"\r\n`;
    const r = await service().run(csv, 'users-csv');
    expect(r.totals).toEqual({ imported: 1, skipped: 0, refused: 0 });
    expect(store.phones.get('bob')).toBe(PHONE);
  });

  it('refuses a phone or method when the config has no sms: section', async () => {
    const r = await service(false).run(
      `username,phone,default method\nbob,${PHONE},\nbob2,,sms\n`,
      'users-csv',
    );
    expect(r.rows.map((x) => x.reason)).toEqual(['sms_not_configured', 'sms_not_configured']);
  });

  it('does not overwrite another number or method already enrolled', async () => {
    store.phones.set('bob', '+4915199999999');
    store.methods.setDefault('alice@contoso.com', 'sms');
    const r = await service().run(
      `username,phone,default method\nbob,${PHONE},\nalice@contoso.com,,totp\n`,
      'users-csv',
    );
    expect(r.rows.map((x) => x.reason)).toEqual(['phone_conflict', 'method_conflict']);
    expect(store.phones.get('bob')).toBe('+4915199999999');
    expect(renderReport(r, 'u.csv')).not.toContain('15199999999');
  });

  it.each([
    ['SMS', 'sms'],
    ['Text Message', 'sms'],
    ['two-way SMS', 'sms'],
    ['5', 'sms'],
    ['Mobile App', 'totp'],
    ['OATH Token', 'totp'],
    ['7', 'totp'],
    ['', undefined],
  ])("MFA Server's method %j → %s", (name, kind) => {
    const m = mapMethod(name);
    expect(m && 'kind' in m ? m.kind : 'unsupported').toBe(kind);
  });

  it.each([['Phone call'], ['voice'], ['0'], ['2'], ['3']])('%j is refused: no phone calls here', (name) => {
    const m = mapMethod(name);
    expect(m && 'unsupported' in m).toBe(true);
  });
});

describe('the report as printed', () => {
  it('one summary line, one line per row, notes indented', () => {
    const text = renderReport(
      {
        kind: 'users-csv',
        dryRun: true,
        totals: { imported: 1, skipped: 0, refused: 1 },
        notes: ['columns ignored: office'],
        rows: [
          {
            line: 2,
            user: 'bob',
            identity: 'bob',
            outcome: 'imported',
            detail: 'default method totp',
            notes: ['n1'],
          },
          {
            line: 3,
            user: 'eve',
            outcome: 'refused',
            reason: 'unknown_user',
            detail: 'no local user',
            notes: [],
          },
        ],
      },
      'u.csv',
    );
    expect(text).toBe(
      [
        'dry run of import users-csv u.csv (nothing was changed): 1 would be imported, 0 skipped, 1 refused',
        'note: columns ignored: office',
        'line 2     bob  would import default method totp',
        '           note: n1',
        'line 3     eve  refused      unknown_user: no local user',
        '',
      ].join('\n'),
    );
  });
});
