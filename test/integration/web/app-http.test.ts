import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/observability/logger.js';
import { TWIML_EMPTY } from '../../../src/sms/twilio-inbound.js';
import { startInProcess } from '../../helpers/in-process.js';
import { freeTcpPort, freeUdpPort } from '../../helpers/ports.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';
import { twilioInboundForm, twilioSign } from '../../helpers/twilio-sign.js';
import { postForm } from '../../helpers/webhook-listener.js';

/** `http:` in the config: startApp starts the listener, stop() closes it, a failed start frees all. */
const TOKEN = 'app-http-twilio-token-91c2';
const PUBLIC = 'https://mfa.example.com';

let dir: string;
let pki: TestPki;

const httpYaml = (port: number): string[] => [
  'http:',
  '  listen:',
  `    - { address: 127.0.0.1, port: ${port} }`,
  `  cert_file: ${join(dir, 'cert.pem')}`,
  `  key_file: ${join(dir, 'key.pem')}`,
  `  public_url: ${PUBLIC}`,
  '  twilio_webhook:',
  `    auth_token_file: ${join(dir, 'token')}`,
  // The webhook alone: the portal's routes (on by default with http:) are tested in portal-*.test.ts.
  'portal: { enabled: false }',
];

beforeAll(() => {
  registerSensitive(TOKEN);
  dir = mkdtempSync(join(tmpdir(), 'app-http-'));
  pki = makeTestPki(dir);
  writeFileSync(join(dir, 'cert.pem'), pki.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.keyPem);
  writeFileSync(join(dir, 'token'), TOKEN);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });

describe('the HTTPS listener in the app', () => {
  it('starts with the app, hands a signed reply to the app (logged masked), and stop() closes it', async () => {
    const port = await freeTcpPort();
    const proxy = await startInProcess({ extraYaml: httpYaml(port) });
    try {
      expect(proxy.logs.find((l) => l.event === 'http_listening')).toMatchObject({
        listen: [`127.0.0.1:${port}`],
        // Without admin_listen the admin surface (/metrics, the probes, the admin pages) is on http.listen too.
        routes: expect.arrayContaining([
          'GET /assets/app.css',
          'GET /assets/app.js',
          'POST /sms/twilio',
          'GET /metrics',
          'GET /healthz',
          'GET /readyz',
          'GET /admin/login',
        ]),
      });
      const form = twilioInboundForm('+4915112345678', 'YES 4711');
      const r = await postForm(
        `https://127.0.0.1:${port}/sms/twilio`,
        form,
        { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}/sms/twilio`, form) },
        pki.caPem,
      );
      expect(r.status).toBe(200);
      expect(r.body).toBe(TWIML_EMPTY);
      expect(proxy.logs.find((l) => l.event === 'sms_inbound')).toMatchObject({
        provider: 'twilio',
        from: '+49•••••••••78',
      });
      expect(JSON.stringify(proxy.logs)).not.toContain('15112345678');
      expect(JSON.stringify(proxy.logs)).not.toContain('4711');
      // The port is taken while the app runs.
      expect(await connects(port)).toBe(true);
    } finally {
      await proxy.stop();
    }
    // After stop(): nothing listens there any more.
    expect(await connects(port)).toBe(false);
    await expect(
      postForm(`https://127.0.0.1:${port}/sms/twilio`, 'From=x', {}, pki.caPem),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('an HTTPS port that is taken fails the start with the key named, and frees the RADIUS port', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const udp = await freeUdpPort();
    const appDir = mkdtempSync(join(dir, 'app-'));
    const text = [
      'listen:',
      `  - { address: 127.0.0.1, auth_port: ${udp} }`,
      `data_dir: ${join(appDir, 'data')}`,
      'clients:',
      '  - { name: vpn, address: 127.0.0.1, secret: "app-http-secret-1234" }',
      ...httpYaml(port),
      '',
    ].join('\n');
    const loaded = parseConfig({ file: join(appDir, 'config.yaml'), text });
    try {
      await expect(startApp({ loaded, log: createLogger({ level: 'silent' }) })).rejects.toMatchObject({
        code: 'MFA_ERR_LISTEN',
        message: expect.stringMatching(
          /^http\.listen\[0\]: cannot listen on 127\.0\.0\.1 port \d+ .*already listens/,
        ),
      });
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    // The RADIUS socket opened before the failure was closed again.
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(udp, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((r) => s.close(() => r()));
  });
});
