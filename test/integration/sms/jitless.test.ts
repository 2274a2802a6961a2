import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

/**
 * The appliance runs `node --jitless`: reading the fetch globals there kills the process. The
 * built SMS modules must load and send under it (and under strict unhandled rejections).
 */
const SID = `AC${'cd'.repeat(16)}`;
const dist = resolve('dist/sms');

let dir: string;
let pki: TestPki;
let server: SmsApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sms-jitless-'));
  pki = makeTestPki(dir);
  server = await SmsApiServer.start(pki, twilioApi({ accountSid: SID, authToken: 'jitless-token' }));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Async: the loopback server runs in this process and must keep answering while the child runs. */
const node = (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ['--jitless', '--unhandled-rejections=strict', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });

describe('SMS under node --jitless', () => {
  it('the harness catches the failure class: reading Headers under --jitless exits non-zero', async () => {
    expect((await node(['-e', 'typeof Headers'])).status).not.toBe(0);
  });

  it('the built modules load and send one SMS to the Twilio-shaped server', async () => {
    expect(existsSync(join(dist, 'build-senders.js')), 'dist/sms is missing: run `npm run build`').toBe(true);
    const script = join(dir, 'send.mjs');
    writeFileSync(
      script,
      `
import { buildSenders } from ${JSON.stringify(join(dist, 'build-senders.js'))};
import { smsSchema } from ${JSON.stringify(join(dist, 'sms-schema.js'))};
import { FailoverSender } from ${JSON.stringify(join(dist, 'failover-sender.js'))};
import ${JSON.stringify(join(dist, 'smpp-provider.js'))};
import ${JSON.stringify(join(dist, 'twilio-inbound.js'))};
const clock = { now: () => Date.now() };
const config = smsSchema.parse({ providers: [{ name: 'tw', type: 'twilio', account_sid: ${JSON.stringify(SID)},
  auth_token: 'jitless-token', from: '+15005550006', base_url: process.argv[2], ca_file: process.argv[3] }] });
const sender = new FailoverSender(buildSenders(config, { clock }), { clock });
const r = await sender.send({ to: '+4915112345678', text: 'jitless code 112233', correlationId: 'j' }, { deadline: Date.now() + 10000 });
await sender.close();
process.stdout.write(JSON.stringify(r));
`,
    );
    const run = await node([script, server.url, pki.caFile]);
    expect(run.stderr.replace(/^Warning: disabling flag --expose_wasm.*\n/m, '')).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'sent', provider: 'tw' });
    expect(new URLSearchParams(server.requests.at(-1)!.body).get('Body')).toBe('jitless code 112233');
  });
});
