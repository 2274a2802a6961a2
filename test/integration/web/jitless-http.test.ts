import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TWIML_EMPTY } from '../../../src/sms/twilio-inbound.js';
import { freeTcpPort, freeUdpPort } from '../../helpers/ports.js';
import { CLI, ProxyHandle } from '../../helpers/proxy.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { makeTestPki } from '../../helpers/test-pki.js';
import { twilioInboundForm, twilioSign } from '../../helpers/twilio-sign.js';
import { postForm } from '../../helpers/webhook-listener.js';

/**
 * The appliance runs `node --jitless`, where reading the fetch globals kills the process (see
 * test/integration/sms/jitless.test.ts). The built CLI with `http:` configured must boot there
 * under strict unhandled rejections and answer a signed webhook: fastify and its dependencies
 * must not touch fetch, Headers, Request, Response, FormData or WebAssembly.
 */
const TOKEN = 'jitless-http-twilio-token-5e1d';
const PUBLIC = 'https://mfa.example.com:8443';

/** One GET over TLS trusting the test CA only. */
function getPage(url: string, ca: string): Promise<{ status: number; body: string; cookie: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, cookie: String(res.headers['set-cookie']?.[0] ?? '') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the HTTPS listener under node --jitless', () => {
  it('the built CLI boots with http: and answers one signed Twilio webhook and the portal', async () => {
    expect(existsSync(CLI), 'dist/cli/main.js is missing: run `npm run build`').toBe(true);
    registerSensitive(TOKEN);
    const dir = mkdtempSync(join(tmpdir(), 'jitless-http-'));
    const pki = makeTestPki(dir);
    writeFileSync(join(dir, 'cert.pem'), pki.certPem);
    writeFileSync(join(dir, 'key.pem'), pki.keyPem);
    writeFileSync(join(dir, 'twilio-token'), TOKEN);
    const udp = await freeUdpPort();
    const port = await freeTcpPort();
    const secret = 'jitless-http-radius-secret';
    registerSensitive(secret);
    const configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      [
        'listen:',
        `  - { address: 127.0.0.1, auth_port: ${udp} }`,
        'data_dir: ./data',
        'clients:',
        `  - { name: vpn, address: 127.0.0.1, secret: ${secret} }`,
        'http:',
        `  listen: [{ address: 127.0.0.1, port: ${port} }]`,
        '  cert_file: cert.pem',
        '  key_file: key.pem',
        `  public_url: ${PUBLIC}`,
        '  twilio_webhook: { auth_token_file: twilio-token }',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const child = spawn(
      process.execPath,
      ['--jitless', '--unhandled-rejections=strict', CLI, 'serve', '--config', configFile],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const proxy = new ProxyHandle(child, dir, configFile, udp, secret);
    try {
      await Promise.race([
        proxy.waitFor((e) => e.event === 'started', 20_000),
        proxy.exited.then((code) => {
          throw new Error(`serve exited with ${code} under --jitless: ${stderr}`);
        }),
      ]);
      expect(proxy.entries.find((e) => e.event === 'http_listening')).toMatchObject({
        listen: [`127.0.0.1:${port}`],
      });
      const form = twilioInboundForm('+4915112345678', 'YES');
      const r = await postForm(
        `https://127.0.0.1:${port}/sms/twilio`,
        form,
        { 'X-Twilio-Signature': twilioSign(TOKEN, `${PUBLIC}/sms/twilio`, form) },
        pki.caPem,
      );
      expect(r.status).toBe(200);
      expect(r.body).toBe(TWIML_EMPTY);
      await proxy.waitFor((e) => e.event === 'sms_inbound');
      // The self-service portal (issue 11) is served there too (its routes, page kit and session).
      const portal = await getPage(`https://127.0.0.1:${port}/portal/`, pki.caPem);
      expect(portal.status).toBe(200);
      expect(portal.body).toContain('<h1>Sign in</h1>');
      expect(portal.cookie).toMatch(/^__Host-mfa-portal=/);
      child.kill('SIGTERM');
      expect(await proxy.exited).toBe(0);
      // Only V8's note on --jitless and serve's own line naming the config: no rejection, no error.
      const unexpected = stderr
        .split('\n')
        .filter((l) => l !== '' && !/^Warning: disabling flag --expose_wasm/.test(l) && !/^config: /.test(l));
      expect(unexpected).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
