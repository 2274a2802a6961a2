import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/shared/clock.js';
import { buildSenders } from '../../../src/sms/build-senders.js';
import { FailoverSender, type SendFailureReport } from '../../../src/sms/failover-sender.js';
import { smsSchema } from '../../../src/sms/sms-schema.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

const SID = `AC${'ab'.repeat(16)}`;
const msg = { to: '+4915112345678', text: 'Your code: 777111', correlationId: 'login-9' };

let dir: string;
let pki: TestPki;
let twilio: SmsApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sms-failover-'));
  pki = makeTestPki(dir);
  twilio = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: 'tok-tok-tok' }));
});
afterAll(async () => {
  await twilio.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('failover over real providers', () => {
  it('first provider down (connection refused on a closed loopback port): the second sends', async () => {
    const closed = await freeTcpPort();
    const config = smsSchema.parse({
      providers: [
        {
          name: 'primary',
          type: 'http',
          url: `https://127.0.0.1:${closed}/send`,
          body: { form: { to: '{phone}', text: '{message}' } },
          ca_file: pki.caFile,
        },
        {
          name: 'backup',
          type: 'twilio',
          account_sid: SID,
          auth_token: 'tok-tok-tok',
          from: '+15005550006',
          base_url: twilio.url,
          ca_file: pki.caFile,
        },
      ],
    });
    const reports: SendFailureReport[] = [];
    const f = new FailoverSender(buildSenders(config, { clock: systemClock }), {
      clock: systemClock,
      onFailure: (r) => reports.push(r),
    });
    const r = await f.send(msg, { deadline: Date.now() + 5000 });
    await f.close();
    expect(r).toMatchObject({ kind: 'sent', provider: 'backup' });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      provider: 'primary',
      reason: 'network',
      correlationId: 'login-9',
      attempt: 0,
    });
    expect(reports[0]!.detail).toContain('ECONNREFUSED');
    expect(reports[0]!.detail).not.toContain('15112345678');
    expect(new URLSearchParams(twilio.requests.at(-1)!.body).get('Body')).toBe(msg.text);
  });

  it('all providers failing: one failed result listing each, every failure reported', async () => {
    const [a, b] = [await freeTcpPort(), await freeTcpPort()];
    const http = (name: string, port: number) => ({
      name,
      type: 'http',
      url: `https://127.0.0.1:${port}/send`,
      body: { json: { to: '{phone}', text: '{message}' } },
    });
    const senders = buildSenders(smsSchema.parse({ providers: [http('a', a), http('b', b)] }), {
      clock: systemClock,
    });
    const reports: SendFailureReport[] = [];
    const f = new FailoverSender(senders, { clock: systemClock, onFailure: (r) => reports.push(r) });
    const r = await f.send(msg, { deadline: Date.now() + 5000 });
    await f.close();
    expect(r).toMatchObject({ kind: 'failed', provider: 'b', reason: 'network' });
    expect(r.kind === 'failed' && r.detail).toMatch(
      /^no provider sent: a: network \(.*\); b: network \(.*\)$/,
    );
    expect(reports.map((x) => x.provider)).toEqual(['a', 'b']);
  });
});
