import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmsApiServer, twilioApi } from '../../helpers/sms-api-server.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

/**
 * The appliance runs `node --jitless`: reading the fetch globals there kills the process. The
 * built SMS modules must load and send under it (and under strict unhandled rejections).
 */
const SID = `AC${'cd'.repeat(16)}`;
const FLAGS = ['--jitless', '--unhandled-rejections=strict'];
/** V8 says this on stderr whenever --jitless is given; it is not the app's. */
const V8_NOTE = /^Warning: disabling flag --expose_wasm.*\n/gm;
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
const node = (
  args: string[],
  stdin?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, [...FLAGS, ...args], {
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
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
    expect(run.stderr.replace(V8_NOTE, '')).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'sent', provider: 'tw' });
    expect(new URLSearchParams(server.requests.at(-1)!.body).get('Body')).toBe('jitless code 112233');
  });
});

/**
 * Issue 10: the built app boots and completes an SMS login as the appliance runs it. The server
 * and the CLI that adds the user and the phone both run under --jitless with strict unhandled
 * rejections, radclient is the gateway, and the code is the one the Twilio-shaped server received.
 */
describe('an SMS login against `node --jitless --unhandled-rejections=strict dist/cli/main.js serve`', () => {
  it('password → Access-Challenge → the code from the SMS → Access-Accept, and the process lives on', async () => {
    expect(existsSync(CLI), 'dist/cli/main.js is missing: run `npm run build`').toBe(true);
    const password = 'jitless-sam-pw';
    registerSensitive(password, 'jitless-token', '+4915123456700');
    const p = await startProxy({
      nodeFlags: FLAGS,
      configYaml: ({ port, secret, dataDir }) =>
        [
          'listen:',
          '  - address: 127.0.0.1',
          `    auth_port: ${port}`,
          `data_dir: ${dataDir}`,
          'directory:',
          '  type: local',
          'clients:',
          '  - name: vpn',
          '    address: 127.0.0.0/8',
          `    secret: ${JSON.stringify(secret)}`,
          '    mfa_mode: challenge',
          'sms:',
          '  default_country: DE',
          '  providers:',
          '    - name: tw',
          '      type: twilio',
          `      account_sid: ${SID}`,
          '      auth_token: jitless-token',
          '      from: "+15005550006"',
          `      base_url: ${server.url}`,
          `      ca_file: ${pki.caFile}`,
          '',
        ].join('\n'),
    });
    let serverStderr = '';
    p.child.stderr!.on('data', (d: Buffer) => {
      serverStderr += d.toString();
    });
    try {
      const cli = (args: string[], stdin?: string) => node([CLI, ...args, '--config', p.configFile], stdin);
      const added = await cli(['user', 'add', 'sam', '--password-stdin'], `${password}\n`);
      expect(added.status, added.stderr).toBe(0);
      const phone = await cli(['phone', 'set', 'sam', '0151 23456700']);
      expect(phone.status, phone.stderr).toBe(0);
      expect(phone.stdout).toBe('phone +49•••••••00 (DE) enrolled for sam\n');

      const sent = server.requests.length;
      const login = (pw: string, state?: Buffer) =>
        radclient({
          server: p.server,
          secret: p.secret,
          timeoutSec: 10,
          attrs: {
            'User-Name': quote('sam'),
            'User-Password': quote(pw),
            ...(state ? { State: `0x${state.toString('hex')}` } : {}),
          },
        });
      const first = await login(password);
      expect(first.code).toBe('Access-Challenge');
      expect(first.attributes['Reply-Message']?.join('')).toContain('••• ••• 00');
      expect(server.requests.length).toBe(sent + 1);
      const form = new URLSearchParams(server.requests.at(-1)!.body);
      expect(form.get('To')).toBe('+4915123456700');
      const code = /\d{6}/.exec(form.get('Body')!)![0];
      registerSensitive(code);
      const second = await login(code, first.state!);
      expect(second.code).toBe('Access-Accept');
      await p.waitFor((e) => e.event === 'auth' && e.reason === 'mfa_ok');

      // Still alive and well: no crash, no error logged, nothing on stderr but V8's own note.
      expect(p.child.exitCode).toBeNull();
      expect(p.entries.filter((e) => typeof e.level === 'number' && e.level >= 50)).toEqual([]);
      expect(serverStderr.replace(V8_NOTE, '')).toBe('');
    } finally {
      await p.stop();
    }
    // SIGTERM: a clean stop, under --jitless too.
    expect(await p.exited).toBe(0);
  }, 60_000);
});
