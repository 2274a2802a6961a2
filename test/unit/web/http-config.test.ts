import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { httpSchema } from '../../../src/web/http-schema.js';
import { readHttpSettings } from '../../../src/web/http-settings.js';
import { makeTestPki, type TestPki } from '../../helpers/test-pki.js';

/** The `http:` section: refused with the key and the fix named, never half-started. */
const base = [
  'clients:',
  '  - { name: vpn, address: 127.0.0.1, secret: "unit-http-secret-99" }',
  'http:',
  '  listen: [{ address: 127.0.0.1 }]',
];
const parse = (...lines: string[]) =>
  parseConfig({ file: '/etc/mfa-radius-proxy/config.yaml', text: [...base, ...lines, ''].join('\n') });
const refusal = (...lines: string[]): string => {
  try {
    parse(...lines);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('http: config', () => {
  it('cert_file without key_file is refused, naming both keys', () => {
    const msg = refusal('  cert_file: /etc/mfa-radius-proxy/https.pem');
    expect(msg).toMatch(/config\.yaml(:\d+)?: http\.key_file: missing: cert_file is set, so key_file/);
  });

  it('key_file without cert_file is refused, naming both keys', () => {
    expect(refusal('  key_file: https.key')).toMatch(
      /http\.cert_file: missing: key_file is set, so cert_file/,
    );
  });

  it('neither is accepted: a self-signed certificate is made at start', () => {
    expect(parse().config.http).toMatchObject({ listen: [{ address: '127.0.0.1', port: 8443 }] });
    expect(parse().config.http?.cert_file).toBeUndefined();
  });

  it('the defaults: port 8443, webhook path /sms/twilio', () => {
    const { config } = parse(
      '  cert_file: a.pem',
      '  key_file: a.key',
      '  public_url: https://mfa.example.com',
      '  twilio_webhook: { auth_token_file: tw }',
    );
    expect(config.http).toMatchObject({
      listen: [{ address: '127.0.0.1', port: 8443 }],
      twilio_webhook: { path: '/sms/twilio', auth_token_file: 'tw' },
    });
  });

  it('the webhook needs public_url and exactly one of auth_token / auth_token_file', () => {
    const files = ['  cert_file: a.pem', '  key_file: a.key'];
    expect(refusal(...files, '  twilio_webhook: { auth_token: t }')).toMatch(
      /http\.public_url: missing: twilio_webhook needs public_url/,
    );
    expect(refusal(...files, '  public_url: https://m.example.com', '  twilio_webhook: {}')).toMatch(
      /http\.twilio_webhook\.auth_token: missing: set auth_token_file/,
    );
    expect(
      refusal(
        ...files,
        '  public_url: https://m.example.com',
        '  twilio_webhook: { auth_token: t, auth_token_file: f }',
      ),
    ).toMatch(/http\.twilio_webhook\.auth_token_file: give auth_token or auth_token_file, not both/);
  });

  it('public_url must be https without a query; the path must be a literal route', () => {
    const files = ['  cert_file: a.pem', '  key_file: a.key'];
    expect(refusal(...files, '  public_url: http://mfa.example.com')).toMatch(
      /http\.public_url: expected the https:\/\//,
    );
    expect(refusal(...files, '  public_url: https://mfa.example.com/?a=1')).toMatch(
      /http\.public_url: expected/,
    );
    expect(
      refusal(
        ...files,
        '  public_url: https://m.example.com',
        '  twilio_webhook: { path: "/sms/:id", auth_token: t }',
      ),
    ).toMatch(/http\.twilio_webhook\.path: expected a path such as \/sms\/twilio/);
    expect(() =>
      parseConfig({
        file: 'c.yaml',
        text: [...base.slice(0, 3), '  listen: []', ...files, ''].join('\n'),
      }),
    ).toThrow(/http\.listen: expected at least one address/);
  });
});

describe('http: files, read once at start', () => {
  let dir: string;
  let pki: TestPki;
  let other: TestPki;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'http-settings-'));
    pki = makeTestPki(dir, 'one');
    other = makeTestPki(dir, 'two');
    writeFileSync(join(dir, 'cert.pem'), pki.certPem);
    writeFileSync(join(dir, 'key.pem'), pki.keyPem);
    writeFileSync(join(dir, 'other.key'), other.keyPem);
    writeFileSync(join(dir, 'token'), '  tok-123 \n');
    writeFileSync(join(dir, 'empty'), '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = (over: Record<string, unknown>) =>
    httpSchema.parse({
      listen: [{ address: '127.0.0.1' }],
      cert_file: 'cert.pem',
      key_file: 'key.pem',
      public_url: 'https://mfa.example.com/',
      twilio_webhook: { auth_token_file: 'token' },
      ...over,
    });
  const opts = () => ({ configFile: join(dir, 'config.yaml'), baseDir: dir, dataDir: join(dir, 'data') });

  it('relative to the config file; the token trimmed; public_url without its trailing slash', () => {
    const s = readHttpSettings(cfg({}), opts());
    expect(s.cert).toBe(pki.certPem);
    expect(s.twilio).toEqual({ path: '/sms/twilio', authToken: 'tok-123' });
    expect(s.publicUrl).toBe('https://mfa.example.com');
  });

  it('a missing file names the key, the path and the fix', () => {
    expect(() => readHttpSettings(cfg({ cert_file: 'nope.pem' }), opts())).toThrow(
      `${join(dir, 'config.yaml')}: http.cert_file: cannot read ${join(dir, 'nope.pem')} (ENOENT): create the file or fix the path`,
    );
  });

  it('an empty token file is refused', () => {
    expect(() => readHttpSettings(cfg({ twilio_webhook: { auth_token_file: 'empty' } }), opts())).toThrow(
      /http\.twilio_webhook\.auth_token_file: .*empty is empty/,
    );
  });

  it('a key that does not belong to the certificate is refused at start, not at the first handshake', () => {
    expect(() => readHttpSettings(cfg({ key_file: 'other.key' }), opts())).toThrow(
      /http\.cert_file \/ http\.key_file: not a usable PEM certificate and matching private key/,
    );
  });
});
