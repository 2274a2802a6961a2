import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';
import { buildSenders } from '../../../src/sms/build-senders.js';
import { smsSchema } from '../../../src/sms/sms-schema.js';
import {
  messageBirdApi,
  SmsApiServer,
  smsEagleApi,
  twilioApi,
  vonageApi,
} from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

const PHONE = '+4915112345678';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'twilio-auth-token-0001';
const msg = { to: PHONE, text: 'Your code: 424242', correlationId: 'c-2' };
const opts = () => ({ deadline: Date.now() + 5000 });

let dir: string;
let pki: TestPki;
const servers: SmsApiServer[] = [];
const start = async (h: Parameters<typeof SmsApiServer.start>[1]) => {
  const s = await SmsApiServer.start(pki, h);
  servers.push(s);
  return s;
};
const one = (provider: Record<string, unknown>) => {
  const [p] = buildSenders(smsSchema.parse({ providers: [{ ca_file: pki.caFile, ...provider }] }), {
    clock: systemClock,
    baseDir: dir,
  });
  return p!;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sms-presets-'));
  pki = makeTestPki(dir);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('presets against provider-shaped loopback servers', () => {
  it('twilio: Basic SID:token, form To/From/Body, 201 with a sid', async () => {
    const api = await start(twilioApi({ accountSid: SID, authToken: TOKEN }));
    writeFileSync(join(dir, 'twilio-token'), `${TOKEN}\n`);
    const p = one({
      name: 'tw',
      type: 'twilio',
      account_sid: SID,
      auth_token_file: 'twilio-token',
      from: '+15005550006',
      base_url: api.url,
    });
    const r = await p.send(msg, opts());
    await p.close();
    expect(r).toEqual({ kind: 'sent', provider: 'tw', messageId: `SM${'1'.padStart(32, '0')}` });
    const form = new URLSearchParams(api.requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({ To: PHONE, Body: msg.text, From: '+15005550006' });
  });

  it('twilio: a wrong token is http_status 401; a 400 echoing the number is masked', async () => {
    const api = await start(twilioApi({ accountSid: SID, authToken: TOKEN }));
    const bad = one({
      name: 'tw',
      type: 'twilio',
      account_sid: SID,
      auth_token: 'wrong-token',
      from: '+15005550006',
      base_url: api.url,
    });
    expect(await bad.send(msg, opts())).toMatchObject({ kind: 'failed', reason: 'http_status' });
    await bad.close();
    const p = one({
      name: 'tw',
      type: 'twilio',
      account_sid: SID,
      auth_token: TOKEN,
      from: '+15005550006',
      base_url: api.url,
    });
    const r = await p.send({ ...msg, to: '+0015112345678' }, opts());
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'http_status' });
    expect(r.kind === 'failed' && r.detail).toMatch(
      /HTTP 400, expected 201 \(provider says "The 'To' number \+00•+78/,
    );
    expect(JSON.stringify(r)).not.toContain('15112345678');
  });

  it('vonage: success is messages[0].status "0"; HTTP 200 with status "2" is a failure', async () => {
    const good = await start(vonageApi({ apiKey: 'vk', apiSecret: 'vs-secret' }));
    const p = one({
      name: 'vo',
      type: 'vonage',
      api_key: 'vk',
      api_secret: 'vs-secret',
      from: 'ACME',
      base_url: good.url,
    });
    expect(await p.send(msg, opts())).toEqual({
      kind: 'sent',
      provider: 'vo',
      messageId: '0A0000000123ABCD1',
    });
    await p.close();
    const form = new URLSearchParams(good.requests[0]!.body);
    expect(form.get('to')).toBe('4915112345678');
    expect(form.get('api_secret')).toBe('vs-secret');
    expect(form.get('text')).toBe(msg.text);

    const failing = await start(vonageApi({ apiKey: 'vk', apiSecret: 'vs-secret', failStatus: '2' }));
    const q = one({
      name: 'vo',
      type: 'vonage',
      api_key: 'vk',
      api_secret: 'vs-secret',
      from: 'ACME',
      base_url: failing.url,
    });
    const r = await q.send(msg, opts());
    await q.close();
    expect(r).toMatchObject({ kind: 'failed', provider: 'vo', reason: 'body_mismatch' });
    expect(r.kind === 'failed' && r.detail).toMatch(
      /^HTTP 200, messages\[0\]\.status is "2", expected "0" \(provider says "Missing to \[\+49•+78\]"\)/,
    );
    expect(JSON.stringify(r)).not.toContain('vs-secret');
  });

  it('messagebird: AccessKey header, JSON originator/recipients/body, 201', async () => {
    const api = await start(messageBirdApi({ accessKey: 'live_abc123' }));
    const p = one({
      name: 'mb',
      type: 'messagebird',
      access_key: 'live_abc123',
      originator: 'ACME',
      base_url: api.url,
    });
    expect(await p.send(msg, opts())).toEqual({
      kind: 'sent',
      provider: 'mb',
      messageId: 'e8077d803532c0b5937c639b60216938',
    });
    await p.close();
    expect(api.requests[0]!.headers.authorization).toBe('AccessKey live_abc123');
    expect(JSON.parse(api.requests[0]!.body)).toEqual({
      originator: 'ACME',
      recipients: ['4915112345678'],
      body: msg.text,
    });
    const bad = one({
      name: 'mb',
      type: 'messagebird',
      access_key: 'test_wrong',
      originator: 'ACME',
      base_url: api.url,
    });
    const r = await bad.send(msg, opts());
    await bad.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'http_status' });
    expect(r.kind === 'failed' && r.detail).toContain('incorrect access_key');
  });

  it('smseagle: access-token header, JSON to[]/text, per-recipient id', async () => {
    const api = await start(smsEagleApi({ accessToken: 'eagle-token' }));
    const p = one({ name: 'eagle', type: 'smseagle', access_token: 'eagle-token', base_url: `${api.url}/` });
    expect(await p.send(msg, opts())).toEqual({ kind: 'sent', provider: 'eagle', messageId: '654' });
    await p.close();
    const req = api.requests[0]!;
    expect(req.path).toBe('/api/v2/messages/sms');
    expect(req.headers['access-token']).toBe('eagle-token');
    expect(JSON.parse(req.body)).toEqual({ to: [PHONE], text: msg.text });
  });
});
