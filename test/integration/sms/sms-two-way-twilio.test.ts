import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { twilioInboundForm, twilioSign } from '../../helpers/twilio-sign.js';
import { postForm } from '../../helpers/webhook-listener.js';

const SID = `AC${'b2'.repeat(16)}`;
const TOKEN = 'two-way-twilio-token-5d1e';
const PHONE = '+4915123456789';
const PUBLIC = 'https://mfa.example.com';

/** Two-way SMS with Twilio both ways: the code out by the Messages API, the reply in by the signed webhook. */
describe('two-way SMS through Twilio’s inbound webhook', () => {
  let dir: string;
  let pki: TestPki;
  let twilio: SmsApiServer;
  let p: InProcessProxy;
  let httpPort: number;

  beforeAll(async () => {
    registerSensitive(TOKEN, PHONE, PHONE.slice(1));
    dir = mkdtempSync(join(tmpdir(), 'sms-2way-twilio-'));
    pki = makeTestPki(dir);
    writeFileSync(join(dir, 'cert.pem'), pki.certPem);
    writeFileSync(join(dir, 'key.pem'), pki.keyPem);
    writeFileSync(join(dir, 'token'), TOKEN);
    twilio = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: TOKEN }));
    httpPort = await freeTcpPort();
    p = await startInProcess({
      clientYaml: ['mfa_mode: concat', 'nas_timeout: 30'],
      extraYaml: [
        'sms:',
        '  default_country: DE',
        '  mode: two_way',
        '  message: "Reply with {code}"',
        '  providers:',
        '    - name: twilio',
        '      type: twilio',
        `      account_sid: ${SID}`,
        `      auth_token_file: ${join(dir, 'token')}`,
        '      from: "+4915510000000"',
        `      base_url: https://127.0.0.1:${twilio.port}`,
        `      ca_file: ${pki.caFile}`,
        'http:',
        '  listen:',
        `    - { address: 127.0.0.1, port: ${httpPort} }`,
        `  cert_file: ${join(dir, 'cert.pem')}`,
        `  key_file: ${join(dir, 'key.pem')}`,
        `  public_url: ${PUBLIC}`,
        '  twilio_webhook:',
        `    auth_token_file: ${join(dir, 'token')}`,
      ],
    });
    await p.addUser('sam', 'sam-right-pw');
    p.app.store.phones.set('sam', PHONE);
  });
  afterAll(async () => {
    await p?.stop();
    await twilio?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a concat client (RRAS): the password alone sends the SMS; the signed reply releases the held request', async () => {
    const pending = radclient({
      server: p.server,
      secret: p.secret,
      timeoutSec: 20,
      attrs: { 'User-Name': quote('sam'), 'User-Password': quote('sam-right-pw') },
    });
    const end = Date.now() + 10_000;
    while (!(twilio.requests.length === 1 && p.timers.pending > 0)) {
      if (Date.now() > end) throw new Error('no SMS sent');
      await new Promise((r) => setTimeout(r, 20));
    }
    const code = /\d{6}/.exec(new URLSearchParams(twilio.requests[0]!.body).get('Body')!)![0];
    registerSensitive(code);
    const form = twilioInboundForm(PHONE, code);
    // A forged reply is refused by the listener and releases nothing.
    const forged = await postForm(
      `https://127.0.0.1:${httpPort}/sms/twilio`,
      form,
      { 'X-Twilio-Signature': 'AAAA' },
      pki.caPem,
    );
    expect(forged.status).toBe(403);
    const r = await postForm(
      `https://127.0.0.1:${httpPort}/sms/twilio`,
      form,
      { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}/sms/twilio`, form) },
      pki.caPem,
    );
    expect(r.status).toBe(200);
    expect((await pending).code).toBe('Access-Accept');
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_ok' });
  });
});
