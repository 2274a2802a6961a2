import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { createIdentityResolver } from '../../../src/services/identity-resolver.js';
import { PhoneService } from '../../../src/services/phone-service.js';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { type SlapdHarness, startSlapd } from '../../helpers/slapd.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

const SID = `AC${'b2'.repeat(16)}`;
const TOKEN = 'twilio-phone-sources-token-0123';
/** mona's directory mobile, written nationally (read with default_country DE). */
const MONA_MOBILE = '+4915123456780';
/** nils has no mobile attribute; his telephoneNumber is a mobile number. */
const NILS_PHONE = '+491601234567';
const ENROLLED = '+491711234567';

const PEOPLE = [
  'dn: uid=mona,ou=people,dc=example,dc=org',
  'objectClass: inetOrgPerson',
  'uid: mona',
  'cn: Mona Mobile',
  'sn: Mobile',
  'mobile: 0151 23456780',
  'telephoneNumber: +49 30 1234567',
  'userPassword: mona-pw',
  '',
  'dn: uid=nils,ou=people,dc=example,dc=org',
  'objectClass: inetOrgPerson',
  'uid: nils',
  'cn: Nils Nomobile',
  'sn: Nomobile',
  'telephoneNumber: +49 160 1234567',
  'userPassword: nils-pw',
  '',
].join('\n');

/**
 * Issue 10, part 2: `sms.phone_sources` through the real server, with slapd as the directory and
 * radclient as the gateway. By default an enrolment in the store wins, then the directory's
 * mobile, then its telephoneNumber; `[store]` never sends to a number from the directory.
 */
describe('sms.phone_sources with an LDAP directory (slapd)', () => {
  let dir: string;
  let pki: TestPki;
  let slapd: SlapdHarness;
  let twilio: SmsApiServer;
  let byDefault: InProcessProxy;
  let storeOnly: InProcessProxy;

  const directoryYaml = (h: SlapdHarness) => [
    'directory:',
    '  type: ldap',
    '  flavour: openldap',
    `  servers: [${h.url}]`,
    `  bind_dn: ${JSON.stringify(h.serviceDn)}`,
    `  bind_password: ${JSON.stringify(h.servicePassword)}`,
    `  base_dn: ${JSON.stringify(h.suffix)}`,
    '  login_domains: [EXAMPLE]',
    '  timeout_ms: 2000',
  ];
  const smsYaml = (sources?: string) => [
    'sms:',
    '  default_country: DE',
    ...(sources ? [`  phone_sources: ${sources}`] : []),
    '  providers:',
    '    - name: twilio',
    '      type: twilio',
    `      account_sid: ${SID}`,
    `      auth_token: ${TOKEN}`,
    '      from: "+15005550006"',
    `      base_url: https://127.0.0.1:${twilio.port}`,
    `      ca_file: ${pki.caFile}`,
  ];
  const start = (sources?: string) =>
    startInProcess({
      clientYaml: ['mfa_mode: challenge'],
      extraYaml: [...directoryYaml(slapd), ...smsYaml(sources)],
    });

  /** The service the `phone` commands call, over the same store and directory as the proxy. */
  async function withPhones<T>(
    p: InProcessProxy,
    sources: string | undefined,
    fn: (s: PhoneService) => Promise<T>,
  ) {
    const file = join(dir, 'service.yaml');
    const { config } = parseConfig({
      file,
      text: [
        `data_dir: ${join(dir, 'unused')}`,
        ...directoryYaml(slapd),
        ...smsYaml(sources),
        'clients:',
        '  - { name: v, address: 10.0.0.0/8, secret: "a-long-secret-of-20c" }',
        '',
      ].join('\n'),
    });
    const resolver = createIdentityResolver(config, p.app.store);
    try {
      return await fn(new PhoneService({ config, configFile: file, store: p.app.store, resolver }));
    } finally {
      await resolver.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sms-sources-'));
    pki = makeTestPki(dir);
    registerSensitive(TOKEN, 'mona-pw', 'nils-pw', MONA_MOBILE, NILS_PHONE, ENROLLED);
    slapd = await startSlapd({ extraLdif: [PEOPLE] });
    twilio = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: TOKEN }));
    byDefault = await start();
    storeOnly = await start('[store]');
  }, 60_000);
  afterAll(async () => {
    await byDefault?.stop();
    await storeOnly?.stop();
    await twilio?.close();
    await slapd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = (p: InProcessProxy, user: string, password: string, state?: Buffer) =>
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
  const lastSms = () => {
    const form = new URLSearchParams(twilio.requests.at(-1)!.body);
    const code = /\d{6}/.exec(form.get('Body')!)![0];
    registerSensitive(code);
    return { to: form.get('To'), code };
  };
  /** Password, the challenge, the code that went out: the number it went to. */
  async function smsLogin(p: InProcessProxy, user: string, password: string): Promise<string | null> {
    const sent = twilio.requests.length;
    const first = await login(p, user, password);
    expect(first.code).toBe('Access-Challenge');
    expect(twilio.requests.length).toBe(sent + 1);
    const { to, code } = lastSms();
    expect((await login(p, user, code, first.state!)).code).toBe('Access-Accept');
    // A fresh budget window for the next login of the same user.
    p.clock.advance(3_600_000);
    return to;
  }

  it('default order: the directory mobile (national, read with default_country) gets the code', async () => {
    expect(await smsLogin(byDefault, 'EXAMPLE\\mona', 'mona-pw')).toBe(MONA_MOBILE);
    expect(byDefault.logs.filter((l) => l.event === 'sms_sent').at(-1)).toMatchObject({ to: '+49•••••••80' });
  });

  it('default order: without a mobile, the directory telephoneNumber', async () => {
    expect(await smsLogin(byDefault, 'nils', 'nils-pw')).toBe(NILS_PHONE);
  });

  it('default order: a number enrolled with the phone service wins over the directory, and removing it falls back', async () => {
    const set = await withPhones(byDefault, undefined, (s) => s.set('EXAMPLE\\Mona', '0171 1234567'));
    expect(set.ok && set.value.identity).toMatchObject({ identityId: 'mona', via: 'ldap' });
    expect(set.ok && set.value.identity.note).toContain("'EXAMPLE\\Mona' is the directory user 'mona'");
    expect(await smsLogin(byDefault, 'mona', 'mona-pw')).toBe(ENROLLED);
    expect((await withPhones(byDefault, undefined, (s) => s.remove('EXAMPLE\\mona'))).removed).toBe(true);
    expect(await smsLogin(byDefault, 'mona', 'mona-pw')).toBe(MONA_MOBILE);
  });

  it('the phone service refuses a user the directory does not know', async () => {
    const r = await withPhones(byDefault, undefined, (s) => s.set('EXAMPLE\\nobody', '0171 1234567'));
    expect(!r.ok && r.error.code).toBe('MFA_ERR_USER_NOT_FOUND');
    expect(byDefault.app.store.phones.list()).toEqual([]);
  });

  it('phone_sources: [store]: the directory mobile gets nothing; the login has no second factor', async () => {
    const sent = twilio.requests.length;
    expect((await login(storeOnly, 'EXAMPLE\\mona', 'mona-pw')).code).toBe('Access-Reject');
    expect(storeOnly.audits().at(-1)).toMatchObject({ reason: 'not_enrolled' });
    expect((await login(storeOnly, 'nils', 'nils-pw')).code).toBe('Access-Reject');
    expect(twilio.requests.length).toBe(sent);
  });

  it('phone_sources: [store]: an enrolled number is used', async () => {
    const set = await withPhones(storeOnly, '[store]', (s) => s.set('mona', '+49 171 1234567'));
    expect(set.ok && set.value.warning).toBeUndefined();
    expect(await smsLogin(storeOnly, 'EXAMPLE\\mona', 'mona-pw')).toBe(ENROLLED);
  });
});
