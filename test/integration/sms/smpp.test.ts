import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import smpp from 'smpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';
import { buildSenders } from '../../../src/sms/build-senders.js';
import type { InboundSms } from '../../../src/sms/sms-sender.js';
import { smsSchema } from '../../../src/sms/sms-schema.js';
import { type SmppSettings, SmppProvider } from '../../../src/sms/smpp-provider.js';
import { logFile, registerSensitive } from '../../helpers/sensitive.js';
import { type SmppServerOptions, SmppTestServer } from '../../helpers/smpp-test-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

const PHONE = '+4915112345678';
const PASSWORD = 'pw-smpp1';
registerSensitive(PHONE, PHONE.slice(1), PASSWORD);
const log = pino({ level: 'info' }, pino.destination({ dest: logFile('sms-smpp'), sync: true }));
const msg = (text = 'Your code: 135790') => ({ to: PHONE, text, correlationId: 'c-s' });
const soon = (ms = 5000) => ({ deadline: Date.now() + ms });

let dir: string;
let pki: TestPki;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sms-smpp-'));
  pki = makeTestPki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function smsc(opts: Partial<SmppServerOptions> = {}) {
  const s = await SmppTestServer.start({ systemId: 'mfa', password: PASSWORD, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

/** Settings for a directly constructed provider (timings below what the config allows). */
function settings(server: SmppTestServer, over: Partial<SmppSettings> = {}): SmppSettings {
  return {
    name: 'smsc',
    host: '127.0.0.1',
    port: server.port,
    tls: false,
    systemId: 'mfa',
    password: PASSWORD,
    systemType: '',
    sourceAddr: 'ACME',
    sourceTon: 5,
    sourceNpi: 0,
    registeredDelivery: false,
    rate: 100,
    burst: 1,
    submitTimeoutMs: 2000,
    bindTimeoutMs: 2000,
    enquireLinkIntervalMs: 30_000,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    ...over,
  };
}

function provider(
  server: SmppTestServer,
  extra: Record<string, unknown> = {},
  inbound?: (m: InboundSms) => void,
) {
  const config = smsSchema.parse({
    providers: [
      {
        name: 'smsc',
        type: 'smpp',
        url: `smpp://127.0.0.1:${server.port}`,
        system_id: 'mfa',
        password: PASSWORD,
        source_addr: 'ACME',
        reconnect_min: 0.05,
        reconnect_max: 0.2,
        submit_timeout: 2,
        ...extra,
      },
    ],
  });
  const [p] = buildSenders(config, { clock: systemClock, log, ...(inbound ? { onInbound: inbound } : {}) });
  if (!(p instanceof SmppProvider)) throw new Error('expected an SMPP provider');
  cleanups.push(() => p.close());
  return p;
}

describe('SMPP 3.4 transceiver against smpp.createServer on loopback', () => {
  it('binds and submits: destination without "+", alphanumeric source as TON 5, message id back', async () => {
    const server = await smsc();
    const p = provider(server);
    expect(await p.whenBound(5000)).toBe(true);
    const r = await p.send(msg(), soon());
    expect(r).toEqual({ kind: 'sent', provider: 'smsc', messageId: 'msg-1' });
    expect(server.submits).toHaveLength(1);
    expect(server.submits[0]).toMatchObject({
      destination: '4915112345678',
      source: 'ACME',
      sourceTon: 5,
      text: 'Your code: 135790',
    });
  });

  it('text longer than short_message allows goes in message_payload', async () => {
    const server = await smsc();
    const p = provider(server);
    await p.whenBound(5000);
    const long = `Code 246810. ${'x'.repeat(200)}`;
    expect((await p.send(msg(long), soon())).kind).toBe('sent');
    expect(server.submits[0]!.text).toBe(long);
  });

  it('rate limit: 6 messages queued at once go out at the configured 20/s, in order', async () => {
    const server = await smsc();
    const p = provider(server, { rate: 20, burst: 1 });
    await p.whenBound(5000);
    const t0 = Date.now();
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => p.send(msg(`code ${i}`), soon())));
    expect(results.every((r) => r.kind === 'sent')).toBe(true);
    const at = server.submits.map((s) => s.at);
    expect(server.submits.map((s) => s.text)).toEqual([
      'code 0',
      'code 1',
      'code 2',
      'code 3',
      'code 4',
      'code 5',
    ]);
    // The k-th message cannot reach the SMSC before its slot at k × 50 ms (timers never fire early,
    // the SMSC records arrival after we wrote); all six within a bounded time.
    for (let k = 0; k < at.length; k++) expect(at[k]! - t0).toBeGreaterThanOrEqual(k * 50 - 2);
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(200);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a slot after the deadline is rate_limited at once, and nothing is submitted for it', async () => {
    const server = await smsc();
    const p = provider(server, { rate: 2, burst: 1 });
    await p.whenBound(5000);
    const deadline = Date.now() + 700;
    const [a, b, c] = await Promise.all([
      p.send(msg('a'), { deadline }),
      p.send(msg('b'), { deadline }),
      p.send(msg('c'), { deadline }),
    ]);
    expect(a.kind).toBe('sent');
    expect(b.kind).toBe('sent');
    expect(c).toMatchObject({ kind: 'failed', reason: 'rate_limited' });
    // A deadline already passed is a timeout, not a rate problem.
    expect(await p.send(msg('d'), { deadline: Date.now() - 1 })).toMatchObject({
      kind: 'failed',
      reason: 'timeout',
    });
    expect(server.submits.map((s) => s.text)).toEqual(['a', 'b']);
  });

  it('an abort while queued for a rate slot: aborted, never submitted', async () => {
    const server = await smsc();
    const p = provider(server, { rate: 2, burst: 1 });
    await p.whenBound(5000);
    const ac = new AbortController();
    const first = p.send(msg('first'), soon());
    const second = p.send(msg('second'), { deadline: Date.now() + 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect(await first).toMatchObject({ kind: 'sent' });
    expect(await second).toMatchObject({ kind: 'failed', reason: 'aborted' });
    expect(server.submits.map((x) => x.text)).toEqual(['first']);
  });

  it('SMSC restart: not_connected while down, reconnects with backoff, sends again', async () => {
    const server = await smsc();
    const states: string[] = [];
    const config = smsSchema.parse({
      providers: [
        {
          name: 'smsc',
          type: 'smpp',
          url: `smpp://127.0.0.1:${server.port}`,
          system_id: 'mfa',
          password: PASSWORD,
          source_addr: '4930123456',
          reconnect_min: 0.05,
          reconnect_max: 0.2,
        },
      ],
    });
    const [s] = buildSenders(config, { clock: systemClock, log, onSmppState: (_, st) => states.push(st) });
    const p = s as SmppProvider;
    cleanups.push(() => p.close());
    expect(await p.whenBound(5000)).toBe(true);
    expect(await p.send(msg('before'), soon())).toMatchObject({ kind: 'sent' });
    expect(server.submits[0]).toMatchObject({ source: '4930123456', sourceTon: 1 });

    await server.stop();
    await server.waitFor(() => p.currentState !== 'bound');
    expect(await p.send(msg('while down'), soon())).toMatchObject({
      kind: 'failed',
      reason: 'not_connected',
    });
    // Down for a few backoff rounds: the reconnects fail with ECONNREFUSED and keep going.
    await new Promise((r) => setTimeout(r, 300));
    await server.listen();
    expect(await p.whenBound(5000)).toBe(true);
    expect(await p.send(msg('after'), soon())).toMatchObject({ kind: 'sent' });
    expect(server.submits.map((x) => x.text)).toEqual(['before', 'after']);
    expect(server.binds).toBe(2);
    expect(states.slice(0, 3)).toEqual(['connecting', 'bound', 'disconnected']);
    expect(states.at(-1)).toBe('bound');
  });

  it('deliver_sm with a reply: acknowledged, passed to onInbound as E.164', async () => {
    const server = await smsc();
    const inbound: InboundSms[] = [];
    const p = provider(server, {}, (m) => inbound.push(m));
    await p.whenBound(5000);
    await server.waitFor(() => server.boundSessions === 1);
    const resp = await server.deliver({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '4915112345678',
      destination_addr: 'ACME',
      esm_class: 0,
      short_message: 'YES 4711',
    });
    expect(resp.command).toBe('deliver_sm_resp');
    expect(resp.command_status).toBe(0);
    await server.waitFor(() => inbound.length === 1);
    expect(inbound[0]).toMatchObject({ from: PHONE, to: 'ACME', text: 'YES 4711', provider: 'smsc' });
    expect(typeof inbound[0]!.receivedAt).toBe('number');
  });

  it('delivery receipts (esm_class 0x04, or only the receipt text) are acknowledged but are not replies', async () => {
    const server = await smsc();
    const inbound: InboundSms[] = [];
    const p = provider(server, { registered_delivery: true }, (m) => inbound.push(m));
    await p.whenBound(5000);
    await p.send(msg(), soon());
    expect(server.submits[0]!.registeredDelivery).toBe(1);
    const receipt =
      'id:msg-1 sub:001 dlvrd:001 submit date:2612011910 done date:2612011911 stat:DELIVRD err:000 text:Your code';
    const r1 = await server.deliver({
      source_addr_ton: 1,
      source_addr: '4915112345678',
      esm_class: 0x04,
      short_message: receipt,
    });
    const r2 = await server.deliver({
      source_addr_ton: 1,
      source_addr: '4915112345678',
      esm_class: 0,
      short_message: receipt,
    });
    // And a reply after them still arrives: the receipts did not break the session.
    const r3 = await server.deliver({
      source_addr_ton: 1,
      source_addr: '4915112345678',
      esm_class: 0,
      short_message: 'NO',
    });
    for (const r of [r1, r2, r3]) expect(r.command_status).toBe(0);
    await server.waitFor(() => inbound.length === 1);
    expect(inbound.map((m) => m.text)).toEqual(['NO']);
  });

  it('submit_sm_resp errors: throttling is rate_limited, a bad address is rejected with its name', async () => {
    const server = await smsc({ submitStatus: smpp.errors.ESME_RTHROTTLED });
    const p = provider(server);
    await p.whenBound(5000);
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'failed', reason: 'rate_limited' });
    server.opts.submitStatus = smpp.errors.ESME_RINVDSTADR;
    const r = await p.send(msg(), soon());
    expect(r).toMatchObject({ kind: 'failed', reason: 'rejected' });
    expect(r.kind === 'failed' && r.detail).toContain('0x0000000b (ESME_RINVDSTADR)');
    expect(JSON.stringify(r)).not.toContain('15112345678');
  });

  it('an SMSC that never answers submit_sm: timeout after submit_timeout', async () => {
    const server = await smsc({ silent: true });
    const p = provider(server, { submit_timeout: 0.2 });
    await p.whenBound(5000);
    const t0 = Date.now();
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a refused bind (wrong password) never counts as bound; sends are not_connected', async () => {
    const server = await smsc();
    const p = provider(server, { password: 'wrong' });
    expect(await p.whenBound(400)).toBe(false);
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'failed', reason: 'not_connected' });
    expect(server.binds).toBe(0);
  });

  it('enquire_link keep-alive: sent on the interval; answered when the SMSC asks', async () => {
    const server = await smsc();
    const p = new SmppProvider(settings(server, { enquireLinkIntervalMs: 50 }), { clock: systemClock, log });
    cleanups.push(() => p.close());
    p.start();
    await p.whenBound(5000);
    await server.waitFor(() => server.enquireLinks >= 3, 3000);
    expect(server.binds).toBe(1);
    const resp = await server.enquire();
    expect(resp.command).toBe('enquire_link_resp');
  });

  it('an unanswered enquire_link means a dead link: the session is dropped and bound anew', async () => {
    const server = await smsc({ ignoreEnquireLink: true });
    const p = new SmppProvider(settings(server, { enquireLinkIntervalMs: 50 }), { clock: systemClock, log });
    cleanups.push(() => p.close());
    p.start();
    await p.whenBound(5000);
    await server.waitFor(() => server.binds >= 2, 3000);
  });

  it('a connection lost with a submit in flight: that send fails as network, at once', async () => {
    const server = await smsc({ silent: true });
    const p = provider(server, { submit_timeout: 10 });
    await p.whenBound(5000);
    const t0 = Date.now();
    const pending = p.send(msg(), soon(10_000));
    await server.waitFor(() => server.submits.length === 1);
    await server.stop();
    expect(await pending).toMatchObject({ kind: 'failed', reason: 'network' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('ssmpp:// with ca_file: TLS to a server the pinned CA signed', async () => {
    const server = await smsc({ tls: pki });
    const p = provider(server, { url: `ssmpp://localhost:${server.port}`, ca_file: pki.caFile });
    expect(await p.whenBound(5000)).toBe(true);
    expect(await p.send(msg(), soon())).toMatchObject({ kind: 'sent' });
    const other = makeTestPki(dir, 'other');
    const q = provider(server, { url: `ssmpp://localhost:${server.port}`, ca_file: other.caFile });
    expect(await q.whenBound(400)).toBe(false);
  });
});
