import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundSms } from '../../../src/sms/sms-sender.js';
import { TWIML_EMPTY, handleTwilioWebhook } from '../../../src/sms/twilio-inbound.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { postForm, WebhookListener } from '../../helpers/webhook-listener.js';

const TOKEN = 'twilio-auth-token-inbound-01';
/** The signature as Twilio computes it, by an independent implementation (openssl). */
const sign = (data: string): string =>
  execFileSync('sh', ['-c', 'openssl dgst -sha1 -hmac "$KEY" -binary | base64'], {
    input: data,
    env: { ...process.env, KEY: TOKEN },
  })
    .toString()
    .trim();

let dir: string;
let pki: TestPki;
let listener: WebhookListener;
const inbound: InboundSms[] = [];
let publicUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sms-inbound-'));
  pki = makeTestPki(dir);
  listener = await WebhookListener.start(pki, (req) => {
    // The lead's listener knows its public URL (config); here it is the loopback one.
    const answer = handleTwilioWebhook({
      authToken: TOKEN,
      url: `${publicUrl.replace(/\/sms\/twilio.*$/, '')}${req.path}`,
      rawBody: req.rawBody,
      signature:
        typeof req.headers['x-twilio-signature'] === 'string' ? req.headers['x-twilio-signature'] : undefined,
      receivedAt: Date.now(),
      provider: 'twilio',
    });
    if (answer.inbound) inbound.push(answer.inbound);
    return answer;
  });
  publicUrl = `https://127.0.0.1:${listener.port}/sms/twilio?site=1`;
});
afterAll(async () => {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Twilio inbound webhook over HTTPS', () => {
  it('a signed inbound SMS: 200 with empty TwiML, the reply reaches the app', async () => {
    const body =
      'MessageSid=SM0001&AccountSid=AC1&From=%2B4915112345678&To=%2B4930123456&Body=YES+4711&NumMedia=0';
    const signature = sign(
      `${publicUrl}AccountSidAC1BodyYES 4711From+4915112345678MessageSidSM0001NumMedia0To+4930123456`,
    );
    const r = await postForm(publicUrl, body, { 'X-Twilio-Signature': signature }, pki.caPem);
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/xml/);
    expect(r.body).toBe(TWIML_EMPTY);
    expect(inbound.at(-1)).toMatchObject({
      from: '+4915112345678',
      to: '+4930123456',
      text: 'YES 4711',
      provider: 'twilio',
    });
  });

  it('a forged or unsigned request: 403, nothing reaches the app', async () => {
    const before = inbound.length;
    const body = 'From=%2B4915112345678&Body=YES';
    const forged = await postForm(
      publicUrl,
      body,
      { 'X-Twilio-Signature': sign(`${publicUrl}BodyNOFrom+4915112345678`) },
      pki.caPem,
    );
    const unsigned = await postForm(publicUrl, body, {}, pki.caPem);
    expect(forged.status).toBe(403);
    expect(unsigned.status).toBe(403);
    expect(inbound.length).toBe(before);
  });
});
