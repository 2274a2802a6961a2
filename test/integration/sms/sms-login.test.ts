import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmsApiServer, twilioApi, vonageApi } from '../../helpers/sms-api-server.js';
import { makeTestPki } from '../../helpers/test-pki.js';

const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'twilio-test-auth-token-0123456789';
const PHONE = '+4915123456789';
const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** One-way SMS by challenge through the real server: radclient as the gateway, a Twilio-speaking HTTPS server. */
describe('one-way SMS by Access-Challenge (issue 10)', () => {
  let dir: string;
  let twilio: SmsApiServer;
  let vonage: SmsApiServer;
  let p: InProcessProxy;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sms-login-'));
    const pki = makeTestPki(dir);
    twilio = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: TOKEN }));
    // The first provider fails the Vonage way (HTTP 200, status 29): the Twilio one must send.
    vonage = await SmsApiServer.start(
      pki,
      vonageApi({ apiKey: 'vkey', apiSecret: 'vsecret-0123', failStatus: '29' }),
    );
    writeFileSync(join(dir, 'twilio.token'), `${TOKEN}\n`, { mode: 0o600 });
    registerSensitive(TOKEN, 'vsecret-0123', PHONE);
    p = await startInProcess({
      clientYaml: ['mfa_mode: challenge'],
      extraYaml: [
        'sms:',
        '  default_country: DE',
        '  code_ttl_sec: 120',
        '  resend_cooldown_sec: 30',
        '  resend_keyword: newcode',
        '  budgets: { per_user: { hour: 3, day: 10 } }',
        '  providers:',
        '    - name: vonage-main',
        '      type: vonage',
        '      api_key: vkey',
        '      api_secret: vsecret-0123',
        '      from: VPN',
        `      base_url: https://127.0.0.1:${vonage.port}`,
        `      ca_file: ${pki.caFile}`,
        '    - name: twilio-backup',
        '      type: twilio',
        `      account_sid: ${SID}`,
        `      auth_token_file: ${join(dir, 'twilio.token')}`,
        '      from: "+15005550006"',
        `      base_url: https://127.0.0.1:${twilio.port}`,
        `      ca_file: ${pki.caFile}`,
      ],
    });
    await p.addUser('sam', 'sam-right-pw');
    p.app.store.phones.set('sam', PHONE);
    await p.addUser('tina', 'tina-right-pw', { totpBase32: SEED });
    p.app.store.phones.set('tina', '+4915199999999');
  });
  afterAll(async () => {
    await p?.stop();
    await twilio?.close();
    await vonage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = (user: string, password: string, state?: Buffer) =>
    radclient({
      server: p.server,
      secret: p.secret,
      timeoutSec: 10,
      attrs: {
        'User-Name': quote(user),
        'User-Password': quote(password),
        ...(state ? { State: `0x${state.toString('hex')}` } : {}),
      },
    });
  const lastCode = (): string => {
    const body = new URLSearchParams(twilio.requests.at(-1)!.body).get('Body')!;
    const code = /\d{6}/.exec(body)![0];
    registerSensitive(code);
    return code;
  };

  it('nothing is sent before the password check passed', async () => {
    const before = twilio.requests.length + vonage.requests.length;
    expect((await login('sam', 'wrong-pw')).code).toBe('Access-Reject');
    expect(twilio.requests.length + vonage.requests.length).toBe(before);
  });

  it('a good password → an SMS (after the failing provider) and a challenge naming the masked number → the code → Accept', async () => {
    const first = await login('sam', 'sam-right-pw');
    expect(first.code).toBe('Access-Challenge');
    expect(first.attributes['Reply-Message']?.join('')).toContain('••• ••• 89');
    expect(vonage.requests).toHaveLength(1);
    const form = new URLSearchParams(twilio.requests.at(-1)!.body);
    expect(form.get('To')).toBe(PHONE);
    const code = lastCode();
    const second = await login('sam', code, first.state!);
    expect(second.code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_ok', mode: 'challenge-answer' });
    // The number appears masked in the log, never in full.
    const sent = p.logs.filter((l) => l.event === 'sms_sent').at(-1)!;
    expect(sent.to).toBe('+49•••••••89');
    expect(JSON.stringify(p.logs)).not.toContain(PHONE);
  });

  it('a wrong code, another login’s State, a replayed State and an expired code are refused', async () => {
    const a = await login('sam', 'sam-right-pw');
    const codeA = lastCode();
    p.clock.advance(31_000);
    const b = await login('sam', 'sam-right-pw');
    const codeB = lastCode();
    expect(codeB).not.toBe(codeA);
    // A's code with B's State: the code works only with its own State.
    expect((await login('sam', codeA, b.state!)).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'bad_code' });
    // B's State was used up by that answer.
    expect((await login('sam', codeB, b.state!)).code).toBe('Access-Reject');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'state_unknown' });
    // A's code, past code_ttl_sec (120 s), with its own State (challenge_timeout_sec is 120 too).
    p.clock.advance(90_000);
    expect((await login('sam', codeA, a.state!)).code).toBe('Access-Reject');
    expect(p.audits().at(-1)?.reason).toMatch(/^(code_expired|state_expired)$/);
  });

  it('the resend keyword sends a new code after the cooldown, and only then', async () => {
    p.app.store.lockouts.clear('sam');
    p.clock.advance(3_600_000);
    const first = await login('sam', 'sam-right-pw');
    const sentBefore = twilio.requests.length;
    const early = await login('sam', 'newcode', first.state!);
    expect(early.code).toBe('Access-Challenge');
    expect(early.attributes['Reply-Message']?.join('')).toMatch(/wait \d+ s/);
    expect(twilio.requests.length).toBe(sentBefore);
    p.clock.advance(31_000);
    const resent = await login('sam', 'newcode', early.state!);
    expect(resent.code).toBe('Access-Challenge');
    expect(twilio.requests.length).toBe(sentBefore + 1);
    expect((await login('sam', lastCode(), resent.state!)).code).toBe('Access-Accept');
  });

  it('a tripped budget refuses the send (per_user.hour: 3) and says why in the log', async () => {
    p.clock.advance(3_600_000);
    for (let i = 0; i < 3; i++) {
      p.clock.advance(31_000);
      expect((await login('sam', 'sam-right-pw')).code).toBe('Access-Challenge');
    }
    const sent = twilio.requests.length;
    expect((await login('sam', 'sam-right-pw')).code).toBe('Access-Reject');
    expect(twilio.requests.length).toBe(sent);
    expect(p.audits().at(-1)).toMatchObject({ reason: 'sms_budget_exceeded' });
    expect(p.logs.filter((l) => l.event === 'sms_refused').at(-1)).toMatchObject({ tripped: 'user_hour' });
  });

  it('a user with an app and a phone is asked for the app’s code: no SMS', async () => {
    const sent = twilio.requests.length;
    const first = await login('tina', 'tina-right-pw');
    expect(first.code).toBe('Access-Challenge');
    expect(twilio.requests.length).toBe(sent);
    expect((await login('tina', oathCode(SEED, p.clock.now()), first.state!)).code).toBe('Access-Accept');
  });
});

describe('failmode and the auth-result cache through the real server (issue 10 items 7 and 8)', () => {
  let p: InProcessProxy;
  beforeAll(async () => {
    // The only provider is a closed loopback port: the SMS service is down.
    p = await startInProcess({
      clientYaml: ['mfa_mode: auto', 'failmode: safe', 'auth_cache_sec: 300'],
      extraYaml: [
        'sms:',
        '  default_country: DE',
        '  providers:',
        '    - name: down',
        '      type: http',
        '      url: https://127.0.0.1:9/send',
        '      body: { json: { to: "{phone}", text: "{message}" } }',
        '      timeout: 2',
      ],
    });
    await p.addUser('sam', 'sam-right-pw');
    p.app.store.phones.set('sam', PHONE);
    await p.addUser('tina', 'tina-right-pw', { totpBase32: SEED });
  });
  afterAll(() => p?.stop());

  const login = (user: string, password: string, station = '192.0.2.10') =>
    radclient({
      server: p.server,
      secret: p.secret,
      timeoutSec: 10,
      attrs: {
        'User-Name': quote(user),
        'User-Password': quote(password),
        'Calling-Station-Id': quote(station),
      },
    });

  it('every SMS provider down and failmode: safe → Access-Accept on the password, logged as failmode_safe', async () => {
    expect((await login('sam', 'sam-right-pw')).code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'failmode_safe' });
    expect(p.logs.some((l) => l.event === 'sms_send_failed')).toBe(true);
    // A wrong password is still a reject: failmode never skips the password.
    expect((await login('sam', 'wrong')).code).toBe('Access-Reject');
  });

  it('after a full MFA login the same password from the same device is accepted without a code, inside the window only', async () => {
    const code = oathCode(SEED, p.clock.now());
    expect((await login('tina', `tina-right-pw${code}`)).code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_ok' });
    expect((await login('tina', 'tina-right-pw')).code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'auth_cache' });
    // Another device asks for the code again (auto mode: a challenge).
    expect((await login('tina', 'tina-right-pw', '192.0.2.99')).code).toBe('Access-Challenge');
    p.clock.advance(301_000);
    expect((await login('tina', 'tina-right-pw')).code).toBe('Access-Challenge');
  });
});
