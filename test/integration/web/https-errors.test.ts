import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { type HttpsListener, startHttpsListener } from '../../../src/web/https-listener.js';
import { TwilioWebhookRoute } from '../../../src/web/twilio-webhook-route.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { twilioInboundForm, twilioSign } from '../../helpers/twilio-sign.js';
import { postForm } from '../../helpers/webhook-listener.js';

/** Failures inside the proxy: the client gets a status line, never a stack trace; the log gets the error. */
const TOKEN = 'errors-test-token-0c4b';
let dir: string;
let pki: TestPki;
let listener: HttpsListener;
const lines: Array<Record<string, unknown>> = [];
const log = {
  debug: () => {},
  info: () => {},
  warn: (o: object) => lines.push(o as Record<string, unknown>),
  error: (o: object) => lines.push(o as Record<string, unknown>),
};
const url = (p: string) => `https://127.0.0.1:${listener.addresses[0]!.port}${p}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'https-errors-'));
  pki = makeTestPki(dir);
  listener = await startHttpsListener({
    listen: [{ address: '127.0.0.1', port: 0 }],
    cert: pki.certPem,
    key: pki.keyPem,
    log,
    routes: [
      {
        method: 'POST',
        path: '/broken',
        contentType: 'application/x-www-form-urlencoded',
        handle: () => {
          throw new Error('route bug at /work/src/secret/place.ts:12');
        },
      },
      new TwilioWebhookRoute({
        path: '/sms/twilio',
        publicUrl: 'https://mfa.example.com',
        authToken: TOKEN,
        clock: new ManualClock(0),
        log,
        onInbound: () => {
          throw new Error('handler bug');
        },
      }),
    ],
  });
});
afterAll(async () => {
  await listener?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS listener failures', () => {
  it('a route that throws: 500 with a status line only, the error logged as http_error', async () => {
    const r = await postForm(url('/broken'), 'a=b', {}, pki.caPem);
    expect(r.status).toBe(500);
    expect(r.body).toBe('500 Internal Server Error\n');
    expect(lines.find((l) => l.event === 'http_error')).toMatchObject({
      method: 'POST',
      path: '/broken',
      error: expect.stringContaining('route bug'),
    });
  });

  it('an onInbound that throws: Twilio still gets its 200, the failure is logged', async () => {
    const form = twilioInboundForm('+4915112345678', 'YES');
    const r = await postForm(
      url('/sms/twilio'),
      form,
      { 'X-Twilio-Signature': twilioSign(TOKEN, 'https://mfa.example.com/sms/twilio', form) },
      pki.caPem,
    );
    expect(r.status).toBe(200);
    expect(lines.find((l) => l.event === 'sms_inbound_handler_failed')).toMatchObject({
      provider: 'twilio',
      error: 'Error: handler bug',
    });
  });
});
