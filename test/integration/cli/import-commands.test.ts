import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Encode } from '../../../src/factors/totp.js';
import { oathCode } from '../../helpers/oathtool.js';
import { type ProxyHandle, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { cli, STACK } from './cli-run.js';

/**
 * Issue 11, item 6: the built CLI imports an Entra / MFA Server OATH token CSV into the store of a
 * running server, and the imported token logs in over RADIUS (radclient as the gateway, the code
 * from oathtool); the users CSV sets phones and default methods; a dry run changes nothing.
 */

const dir = mkdtempSync(join(tmpdir(), 'mfa-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
// Seeds from the test's RNG, as a hardware-token vendor's seed file would carry them.
const ALICE = base32Encode(randomBytes(20));
const BOB = base32Encode(randomBytes(20));
registerSensitive(PASSWORD, ALICE, BOB);

describe('import oath-csv into a running server, then a TOTP login', () => {
  let p: ProxyHandle;
  beforeAll(async () => {
    p = await startProxy({ clientExtra: 'mfa_mode: challenge' });
    for (const u of ['alice@contoso.com', 'bob']) {
      const r = await p.cli(['user', 'add', u, '--password-stdin'], `${PASSWORD}\n`);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => p.stop());

  // As Entra's template and Excel write it: BOM, CRLF, a quoted field with a comma, lower-case key.
  const csvFile = join(dir, 'tokens.csv');
  writeFileSync(
    csvFile,
    '\u{feff}upn,serial number,secret key,time interval,manufacturer,model\r\n' +
      `Alice@Contoso.com,20001,${ALICE.toLowerCase()},30,Contoso,"OTP c200, v2"\r\n` +
      `bob,20002,${BOB},30,Contoso,OTP c200\r\n`,
  );

  it('the dry run reports both tokens and enrols none', async () => {
    const r = await p.cli(['import', 'oath-csv', csvFile, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 would be imported, 0 skipped, 0 refused');
    expect(r.stdout).toMatch(
      /line 2 +Alice@Contoso.com +would import +token serial 20001 \(Contoso OTP c200, v2\), 30 s/,
    );
    expect(r.stdout + r.stderr).not.toContain(ALICE.toLowerCase());
    const list = await p.cli(['token', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('the run enrols them; radclient logs in with the code oathtool computes for the imported seed', async () => {
    const r = await p.cli(['import', 'oath-csv', csvFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('import oath-csv');
    expect(r.stdout).toContain('2 imported, 0 skipped, 0 refused');
    const list = JSON.parse((await p.cli(['token', 'list', '--json'])).stdout) as Array<
      Record<string, unknown>
    >;
    expect(list.map((t) => [t.identity, t.label])).toEqual([
      ['alice@contoso.com', 'oath 20001'],
      ['bob', 'oath 20002'],
    ]);
    const first = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('alice@contoso.com'), 'User-Password': quote(PASSWORD) },
    });
    expect(first.code).toBe('Access-Challenge');
    const second = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: {
        'User-Name': quote('alice@contoso.com'),
        'User-Password': quote(oathCode(ALICE)),
        State: `0x${first.state!.toString('hex')}`,
      },
    });
    expect(second.code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({
      result: 'accept',
      reason: 'mfa_ok',
      identity: 'alice@contoso.com',
    });
  });

  it('a second run skips both (idempotent) and exits 0', async () => {
    const r = await p.cli(['import', 'oath-csv', csvFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 imported, 2 skipped, 0 refused');
    expect(r.stdout).toMatch(/already_imported/);
  });

  it('refused rows: the report says which line and why, the rest is imported, the exit code is 1', async () => {
    const file = join(dir, 'mixed.csv');
    const carol = base32Encode(randomBytes(20));
    const hw60 = base32Encode(randomBytes(20));
    registerSensitive(carol, hw60);
    writeFileSync(
      file,
      'upn,serial number,secret key,time interval,manufacturer,model\n' +
        `carol,30001,${carol},30,,\n` +
        `bob,30002,${hw60},60,,\n` +
        'bob,30003,not base32!,30,,\n',
    );
    const r = await p.cli(['import', 'oath-csv', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/line 2 +carol +refused +unknown_user/);
    expect(r.stdout).toMatch(/line 3 +bob +refused +bad_interval: a 60-second token/);
    expect(r.stdout).toMatch(/line 4 +bob +refused +bad_key/);
    expect(r.stderr).toMatch(/^MFA_ERR_IMPORT_REFUSED: 3 of 3 rows were refused/m);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout + r.stderr).not.toContain(carol);
    expect(r.stdout + r.stderr).not.toContain(hw60);
  });

  it('a file that is not the token CSV is one clear error', async () => {
    const file = join(dir, 'wrong.csv');
    writeFileSync(file, 'name;phone\nalice;1\n');
    const r = await p.cli(['import', 'oath-csv', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^MFA_ERR_IMPORT_FILE: .*semicolons/m);
    const missing = await p.cli(['import', 'oath-csv', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^MFA_ERR_IMPORT_FILE: .*nope\.csv cannot be read \(ENOENT\)/m);
    expect(missing.stderr).not.toMatch(STACK);
  });
});

describe('import users-csv', () => {
  const PHONE = '+4915123456789';
  registerSensitive(PHONE, '0151 23456789');
  let file: string;
  const run = (...args: string[]) => cli([...args, '--config', file], { stdin: `${PASSWORD}\n` });

  beforeAll(async () => {
    file = join(dir, 'users-config.yaml');
    writeFileSync(
      file,
      [
        `data_dir: ${join(dir, 'users-data')}`,
        'clients:',
        '  - name: vpn',
        '    address: 10.0.0.0/8',
        '    secret: "a-long-secret-of-20c"',
        'sms:',
        '  default_country: DE',
        '  providers:',
        '    - name: tw',
        '      type: twilio',
        `      account_sid: AC${'ab'.repeat(16)}`,
        '      auth_token: import-test-token',
        '      from: "+15005550006"',
        '      base_url: https://127.0.0.1:9',
        '',
      ].join('\n'),
    );
    chmodSync(file, 0o600);
    for (const u of ['alice', 'bob']) {
      const r = await run('user', 'add', u, '--password-stdin');
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('dry run changes nothing; the run enrols the phone and the method, masked in the output; phone calls are refused', async () => {
    const csv = join(dir, 'users.csv');
    writeFileSync(
      csv,
      'username,phone,default method\r\nalice,0151 23456789,Text message\r\nbob,,Phone call\r\n',
    );
    const dry = await run('import', 'users-csv', csv, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/line 2 +alice +would import +phone \+49•••••••89, default method sms/);
    expect(dry.stdout).toMatch(
      /line 3 +bob +refused +unsupported_method: "Phone call": phone calls are not a method/,
    );
    expect(dry.stderr).toMatch(/MFA_ERR_IMPORT_REFUSED: 1 of 2 rows would be refused/);
    expect(JSON.parse((await run('phone', 'list', '--json')).stdout)).toEqual([]);

    const real = await run('import', 'users-csv', csv);
    expect(real.stdout).toMatch(/line 2 +alice +imported +phone \+49•••••••89, default method sms/);
    expect(real.stdout + real.stderr).not.toContain('23456789');
    const phones = JSON.parse((await run('phone', 'list', '--json', '--full')).stdout) as Array<
      Record<string, unknown>
    >;
    expect(phones).toEqual([expect.objectContaining({ identity: 'alice', number: PHONE })]);

    const again = await run('import', 'users-csv', csv);
    expect(again.stdout).toMatch(/line 2 +alice +skipped +already_imported/);
  });
});
