import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import type { InboundSms } from '../../../src/sms/sms-sender.js';
import { TWIML_EMPTY } from '../../../src/sms/twilio-inbound.js';
import { httpSchema } from '../../../src/web/http-schema.js';
import { type HttpRuntime, startHttp } from '../../../src/web/start-http.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { twilioInboundForm, twilioSign } from '../../helpers/twilio-sign.js';
import { postForm } from '../../helpers/webhook-listener.js';

/**
 * The HTTPS listener over real TLS on loopback, with a test CA: only the webhook route exists, it
 * takes only Twilio-signed forms, and nothing of a request body reaches the log.
 */
const TOKEN = 'listener-test-twilio-token-7f3a';
const PUBLIC = 'https://mfa.example.com:8443';
const PATH = '/sms/twilio';

let dir: string;
let pki: TestPki;
let port: number;
let port6: number;
let http: HttpRuntime;
const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
const inbound: InboundSms[] = [];
const lines: Array<Record<string, unknown>> = [];
const log = {
  debug: (o: object, msg: string) => lines.push({ level: 'debug', ...o, msg }),
  info: (o: object, msg: string) => lines.push({ level: 'info', ...o, msg }),
  warn: (o: object, msg: string) => lines.push({ level: 'warn', ...o, msg }),
  error: (o: object, msg: string) => lines.push({ level: 'error', ...o, msg }),
};
const url = (path: string) => `https://127.0.0.1:${port}${path}`;
const refusedLines = () => lines.filter((l) => l.event === 'sms_webhook_refused');

beforeAll(async () => {
  registerSensitive(TOKEN);
  dir = mkdtempSync(join(tmpdir(), 'https-listener-'));
  pki = makeTestPki(dir);
  writeFileSync(join(dir, 'cert.pem'), pki.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.keyPem);
  writeFileSync(join(dir, 'twilio-token'), `${TOKEN}\n`);
  port = await freeTcpPort();
  port6 = await freeTcpPort('::1');
  const cfg = httpSchema.parse({
    listen: [
      { address: '127.0.0.1', port },
      { address: '::1', port: port6 },
    ],
    cert_file: 'cert.pem',
    key_file: 'key.pem',
    public_url: `${PUBLIC}/`,
    twilio_webhook: { auth_token_file: 'twilio-token' },
  });
  http = await startHttp(cfg, {
    clock,
    log,
    configFile: join(dir, 'config.yaml'),
    dataDir: join(dir, 'data'),
    onInbound: (m) => inbound.push(m),
  });
});
afterAll(async () => {
  await http?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, for the cases postForm does not cover (other methods, content types). */
function send(
  method: string,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url(path), { method, ca: pki.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTPS listener and the Twilio webhook', () => {
  it('a POST signed as Twilio signs it: 200, the empty TwiML, and the callback gets From and Body', async () => {
    const form = twilioInboundForm('+4915112345678', 'YES 4711');
    // Twilio signs the URL it was given: public_url + the path (the port as configured at Twilio).
    const signature = twilioSign(TOKEN, `${PUBLIC}${PATH}`, form);
    const before = inbound.length;
    const r = await postForm(url(PATH), form, { 'X-Twilio-Signature': signature }, pki.caPem);
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/xml/);
    expect(r.body).toBe(TWIML_EMPTY);
    expect(inbound.length).toBe(before + 1);
    expect(inbound.at(-1)).toMatchObject({ from: '+4915112345678', text: 'YES 4711', provider: 'twilio' });
    expect(inbound.at(-1)!.receivedAt).toBe(clock.now());
    // Logged at debug, by path and status only: never the body (a reply may carry a code).
    const logged = lines.filter((l) => l.event === 'http_request').at(-1);
    expect(logged).toMatchObject({
      level: 'debug',
      method: 'POST',
      path: PATH,
      status: 200,
      src: '127.0.0.1',
    });
    expect(JSON.stringify(lines)).not.toContain('4711');
    expect(JSON.stringify(lines)).not.toContain('15112345678');
  });

  it('every listen address serves the same routes (IPv6 too)', async () => {
    expect(lines.find((l) => l.event === 'http_listening')).toMatchObject({
      listen: [`127.0.0.1:${port}`, `[::1]:${port6}`],
      routes: ['GET /assets/app.css', 'GET /assets/app.js', 'POST /sms/twilio'],
    });
    const form = twilioInboundForm('+4915112345678', 'V6');
    const r = await postForm(
      `https://[::1]:${port6}${PATH}`,
      form,
      { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form) },
      pki.caPem,
    );
    expect(r.status).toBe(200);
    expect(inbound.at(-1)?.text).toBe('V6');
  });

  it('a query string in the URL given to Twilio is part of what is signed', async () => {
    const form = twilioInboundForm('+4915112345678', 'OK');
    const signature = twilioSign(TOKEN, `${PUBLIC}${PATH}?site=berlin`, form);
    const good = await postForm(
      url(`${PATH}?site=berlin`),
      form,
      { 'X-Twilio-Signature': signature },
      pki.caPem,
    );
    const moved = await postForm(
      url(`${PATH}?site=paris`),
      form,
      { 'X-Twilio-Signature': signature },
      pki.caPem,
    );
    expect([good.status, moved.status]).toEqual([200, 403]);
  });

  it('a forged or missing signature: 403, the callback is not called, refusals counted and logged once per source', async () => {
    // A fresh rate-limit window with nothing carried over from the tests before.
    clock.advance(120_000);
    const linesBefore = refusedLines().length;
    const countBefore = http.counters().sms_webhook_refused_bad_signature ?? 0;
    const before = inbound.length;
    const form = twilioInboundForm('+4915112345678', 'YES');
    const forged = await postForm(
      url(PATH),
      form,
      { 'X-Twilio-Signature': twilioSign('not-the-token', `${PUBLIC}${PATH}`, form) },
      pki.caPem,
    );
    const unsigned = await postForm(url(PATH), form, {}, pki.caPem);
    // Signed for another body: the signature covers every parameter.
    const tampered = await postForm(
      url(PATH),
      twilioInboundForm('+4915112345678', 'NO'),
      { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form) },
      pki.caPem,
    );
    expect([forged.status, unsigned.status, tampered.status]).toEqual([403, 403, 403]);
    expect(forged.body).toBe('forbidden\n');
    expect(inbound.length).toBe(before);
    // Three refusals from one source in one window: one warn line, all three counted.
    expect(refusedLines().slice(linesBefore)).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'bad_signature', src: '127.0.0.1', status: 403 }),
    ]);
    expect(http.counters().sms_webhook_refused_bad_signature).toBe(countBefore + 3);
    // The next window's first line reports how many were not logged.
    clock.advance(60_000);
    await postForm(url(PATH), form, {}, pki.caPem);
    expect(refusedLines().at(-1)).toMatchObject({ reason: 'bad_signature', suppressed: 2 });
  });

  it('a signed request that is no SMS (no From): 400, refused as malformed', async () => {
    const form = 'Body=hello&MessageSid=SM1';
    const r = await postForm(
      url(PATH),
      form,
      { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form) },
      pki.caPem,
    );
    expect(r.status).toBe(400);
    expect(refusedLines().at(-1)).toMatchObject({ reason: 'missing_from', status: 400 });
  });

  it('only the configured route exists: another path, another method, a trailing slash are 404', async () => {
    const form = twilioInboundForm('+4915112345678', 'YES');
    const headers = { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form) };
    const other = await postForm(url('/sms/other'), form, headers, pki.caPem);
    const slash = await postForm(url(`${PATH}/`), form, headers, pki.caPem);
    const get = await send('GET', PATH, '', {});
    const root = await send('GET', '/', '', {});
    expect([other.status, slash.status, get.status, root.status]).toEqual([404, 404, 404, 404]);
    expect(other.body).toBe('404 Not Found\n');
    expect(other.contentType).toMatch(/^text\/plain/);
  });

  it('the webhook takes only a form: JSON or text gets 415, with no framework message', async () => {
    const json = await send('POST', PATH, '{"From":"+4915112345678","Body":"YES"}', {
      'content-type': 'application/json',
    });
    const text = await send('POST', PATH, 'From=+4915112345678', { 'content-type': 'text/plain' });
    expect([json.status, text.status]).toEqual([415, 415]);
    expect(json.body).toBe('415 Unsupported Media Type\n');
  });

  it('a body over the 16 KiB limit: 413, the callback is not called', async () => {
    const before = inbound.length;
    const form = twilioInboundForm('+4915112345678', 'x'.repeat(17 * 1024));
    const r = await postForm(
      url(PATH),
      form,
      { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form) },
      pki.caPem,
    );
    expect(r.status).toBe(413);
    expect(r.body).toBe('413 Payload Too Large\n');
    expect(inbound.length).toBe(before);
  });

  it('a form with charset, as some clients send it, is still a form', async () => {
    const form = twilioInboundForm('+4915112345678', 'Grüße');
    const r = await send('POST', PATH, form, {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}${PATH}`, form),
    });
    expect(r.status).toBe(200);
    expect(inbound.at(-1)?.text).toBe('Grüße');
  });
});
