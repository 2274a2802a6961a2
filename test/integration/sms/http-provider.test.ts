import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';
import { buildSenders } from '../../../src/sms/build-senders.js';
import { HttpSmsProvider, type HttpProviderSettings } from '../../../src/sms/http-provider.js';
import type { SendResult, SmsSender } from '../../../src/sms/sms-sender.js';
import { smsSchema } from '../../../src/sms/sms-schema.js';
import { type RecordedRequest, type Reply, SmsApiServer } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

const PHONE = '+4915112345678';
const msg = (text = 'Your code: 123456') => ({ to: PHONE, text, correlationId: 'c-1' });
const soon = (ms = 5000) => ({ deadline: Date.now() + ms });

let dir: string;
let pki: TestPki;
let other: TestPki;
let server: SmsApiServer;
let reply: (r: RecordedRequest) => Reply = () => ({ status: 200, body: '{"ok":true}' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sms-http-'));
  pki = makeTestPki(dir, 'good');
  other = makeTestPki(dir, 'other');
  server = await SmsApiServer.start(pki, (r) => reply(r));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function generic(over: Partial<HttpProviderSettings> = {}): SmsSender {
  return new HttpSmsProvider(
    {
      name: 'gw',
      method: 'POST',
      url: `${server.url}/send`,
      headers: {},
      body: { kind: 'form', fields: { to: '{phone}', text: '{message}' } },
      success: { status: [200] },
      timeoutMs: 5000,
      ca: pki.caPem,
      ...over,
    },
    { clock: systemClock },
  );
}

const last = (): RecordedRequest => server.requests[server.requests.length - 1]!;
const expectMasked = (r: SendResult): void => {
  expect(JSON.stringify(r)).not.toContain('15112345678');
};

describe('generic HTTP provider against a loopback HTTPS server', () => {
  it('sends a form body: values URL-encoded, the request arrives intact', async () => {
    reply = () => ({ status: 200, body: '{"ok":true}' });
    const p = generic();
    const text = 'Code 123456 & "more" +x\nÜ=1';
    const r = await p.send(msg(text), soon());
    await p.close();
    expect(r).toEqual({ kind: 'sent', provider: 'gw' });
    const req = last();
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    expect([...form.keys()]).toEqual(['to', 'text']);
    expect(form.get('to')).toBe(PHONE);
    expect(form.get('text')).toBe(text);
  });

  it('a JSON text template gets JSON-escaped values; a JSON structure is serialised', async () => {
    reply = () => ({ status: 202, body: '{"id":"m-77"}' });
    const text = 'quote " backslash \\ newline \n end';
    const a = generic({
      body: { kind: 'json_text', template: '{"number":"{phone_digits}","msg":"{message}"}' },
      success: { status: [202], messageIdPath: ['id'] },
    });
    expect(await a.send(msg(text), soon())).toEqual({ kind: 'sent', provider: 'gw', messageId: 'm-77' });
    expect(JSON.parse(last().body)).toEqual({ number: '4915112345678', msg: text });
    const b = generic({
      body: { kind: 'json', value: { to: ['{phone}'], text: '{message}', n: 1 } },
      success: { status: [202] },
    });
    expect((await b.send(msg(text), soon())).kind).toBe('sent');
    expect(JSON.parse(last().body)).toEqual({ to: [PHONE], text, n: 1 });
    await a.close();
    await b.close();
  });

  it('a URL template encodes each value as one component (GET providers)', async () => {
    reply = () => ({ status: 200, body: 'OK' });
    const p = generic({
      method: 'GET',
      url: `${server.url}/api/send?to={phone}&msg={message}`,
      body: undefined,
      success: { status: [200], bodyRegex: /^OK/ },
    });
    const r = await p.send(msg('a&b=c/d?e'), soon());
    await p.close();
    expect(r.kind).toBe('sent');
    const u = new URL(last().path, server.url);
    expect(u.pathname).toBe('/api/send');
    expect(u.searchParams.get('to')).toBe(PHONE);
    expect(u.searchParams.get('msg')).toBe('a&b=c/d?e');
    expect([...u.searchParams.keys()]).toEqual(['to', 'msg']);
  });

  it('a value no header can carry (a message in a header with "€") is a rejected result, not a throw', async () => {
    const p = generic({ headers: { 'X-Text': '{message}' } });
    const before = server.requests.length;
    const r = await p.send(msg('Preis 5 €'), soon());
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'rejected' });
    expect(r.kind === 'failed' && r.detail).toMatch(/^cannot build the request: .*X-Text/);
    expect(server.requests.length).toBe(before);
  });

  it('a status outside the success list is http_status, with the number masked', async () => {
    reply = () => ({ status: 503, body: `{"error":"busy for ${PHONE}"}` });
    const p = generic({ success: { status: [200], errorPath: ['error'] } });
    const r = await p.send(msg(), soon());
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', provider: 'gw', reason: 'http_status' });
    expect(r.kind === 'failed' && r.detail).toMatch(
      /^HTTP 503, expected 200 \(provider says "busy for \+49•+78"\)/,
    );
    expectMasked(r);
  });

  it('the right status with the wrong body is body_mismatch (regex and JSON path)', async () => {
    reply = () => ({ status: 200, body: '{"result":"ERROR","code":7}' });
    const a = generic({ success: { status: [200], bodyRegex: /"result":"OK"/ } });
    const ra = await a.send(msg(), soon());
    expect(ra).toMatchObject({ kind: 'failed', reason: 'body_mismatch' });
    const b = generic({
      success: { status: [200], json: { path: ['result'], pathText: 'result', equals: 'OK' } },
    });
    const rb = await b.send(msg(), soon());
    expect(rb).toMatchObject({ kind: 'failed', reason: 'body_mismatch' });
    expect(rb.kind === 'failed' && rb.detail).toContain('result is "ERROR", expected "OK"');
    await a.close();
    await b.close();
  });

  it('a server that holds the request: timeout after the configured time, not the deadline', async () => {
    reply = () => 'hold';
    const p = generic({ timeoutMs: 150 });
    const t0 = Date.now();
    const r = await p.send(msg(), soon(10_000));
    const took = Date.now() - t0;
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(2000);
  });

  it('the deadline cuts a longer timeout short; a passed deadline sends nothing', async () => {
    reply = () => 'hold';
    const p = generic({ timeoutMs: 10_000 });
    const t0 = Date.now();
    const r = await p.send(msg(), { deadline: Date.now() + 120 });
    expect(r).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(2000);
    const before = server.requests.length;
    const r2 = await p.send(msg(), { deadline: Date.now() - 1 });
    expect(r2).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(server.requests.length).toBe(before);
    await p.close();
  });

  it('an abort signal cancels the request in flight', async () => {
    reply = () => 'hold';
    const p = generic();
    const ac = new AbortController();
    const before = server.requests.length;
    const pending = p.send(msg(), { deadline: Date.now() + 10_000, signal: ac.signal });
    while (server.requests.length === before) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const r = await pending;
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'aborted' });
  });

  it('pins the CA: a server whose certificate another CA signed is refused', async () => {
    reply = () => ({ status: 200, body: '{}' });
    const p = generic({ ca: other.caPem });
    const before = server.requests.length;
    const r = await p.send(msg(), soon());
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(r.kind === 'failed' && r.detail).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i,
    );
    expect(server.requests.length).toBe(before);
  });

  it('connection refused on a closed port is a network failure, not a throw', async () => {
    const closed = await SmsApiServer.start(pki, () => ({ status: 200, body: '' }));
    const port = closed.port;
    await closed.close();
    const p = generic({ url: `https://127.0.0.1:${port}/send` });
    const r = await p.send(msg(), soon());
    await p.close();
    expect(r).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(r.kind === 'failed' && r.detail).toContain('ECONNREFUSED');
    expectMasked(r);
  });

  it('a kept-alive connection the server dropped meanwhile is retried once on a new one', async () => {
    // The server closes an idle keep-alive connection just as the next request arrives on it (the
    // classic ECONNRESET race): that request was never processed, so one retry is safe.
    const served = new WeakMap<Socket, number>();
    const sockets = new Set<Socket>();
    const racy = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      req.resume();
      if (n > 1) {
        req.socket.destroy();
        return;
      }
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    racy.on('secureConnection', (sk: Socket) => sockets.add(sk));
    await new Promise<void>((r) => racy.listen(0, '127.0.0.1', () => r()));
    const addr = racy.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    const p = generic({ url: `https://127.0.0.1:${addr.port}/send` });
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'sent' });
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'sent' });
    await p.close();
    for (const sk of sockets) sk.destroy();
    await new Promise<void>((r) => racy.close(() => r()));
    expect(sockets.size).toBe(2);
  });

  it('credentials from files: read once at build, trimmed, sent as Bearer and {secret}', async () => {
    reply = () => ({ status: 200, body: '{"status":"queued","id":9}' });
    writeFileSync(join(dir, 'token'), '  tok-from-file-42\n');
    writeFileSync(join(dir, 'apikey'), 'key-from-file\n');
    const config = smsSchema.parse({
      providers: [
        {
          name: 'gw',
          type: 'http',
          url: `${server.url}/v1/sms`,
          headers: { 'X-Api-Key': '{secret}' },
          auth: { type: 'bearer', token_file: 'token' },
          secret_file: join(dir, 'apikey'),
          body: { json: { to: '{phone}', text: '{message}' } },
          success: { status: [200], json_path: 'status', json_equals: 'queued', message_id_path: 'id' },
          ca_file: pki.caFile,
          timeout: 5,
        },
      ],
    });
    const [p] = buildSenders(config, { clock: systemClock, baseDir: dir });
    // The file changing later does not matter: it was read at start.
    writeFileSync(join(dir, 'token'), 'changed');
    const r = await p!.send(msg(), soon());
    await p!.close();
    expect(r).toEqual({ kind: 'sent', provider: 'gw', messageId: '9' });
    expect(last().headers.authorization).toBe('Bearer tok-from-file-42');
    expect(last().headers['x-api-key']).toBe('key-from-file');
  });

  it('a missing credential file is a config error naming the key and the fix', () => {
    const config = smsSchema.parse({
      providers: [
        {
          name: 'gw',
          type: 'http',
          url: 'https://127.0.0.1:1/x',
          auth: { type: 'basic', username: 'u', password_file: 'nope.txt' },
          body: { form: { to: '{phone}', text: '{message}' } },
        },
      ],
    });
    expect(() =>
      buildSenders(config, { clock: systemClock, baseDir: dir, configFile: '/etc/mfa.yaml' }),
    ).toThrow(
      /^\/etc\/mfa\.yaml: sms\.providers\[0\]\.auth\.password_file: cannot read .*nope\.txt \(ENOENT\): create the file or fix the path$/,
    );
    writeFileSync(join(dir, 'empty'), '\n');
    const c2 = smsSchema.parse({
      providers: [
        { name: 'v', type: 'vonage', api_key: 'k', api_secret_file: join(dir, 'empty'), from: 'ACME' },
      ],
    });
    expect(() => buildSenders(c2, { clock: systemClock })).toThrow(
      /sms\.providers\[0\]\.api_secret_file: .* is empty/,
    );
  });
});
