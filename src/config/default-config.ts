import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type LoadedConfig, parseConfig } from './load.js';

/**
 * The embedded default for `npm start` without a config file: loopback only, local user store
 * under ./data, the HTTPS pages on 127.0.0.1:8443. The client secret is generated once and kept in ./data, never a well-known value.
 */
export function loadDefaultConfig(dataDir = './data'): LoadedConfig & { secretFile: string } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secretFile = join(dir, 'default-client.secret');
  if (!existsSync(secretFile)) {
    writeFileSync(secretFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const secret = readFileSync(secretFile, 'utf8').trim();
  const text = [
    'listen:',
    '  - address: 127.0.0.1',
    '    auth_port: 1812',
    `data_dir: ${JSON.stringify(dir)}`,
    'directory:',
    '  type: local',
    'clients:',
    '  - name: localhost',
    '    address: [127.0.0.1/32, "::1/128"]',
    `    secret: ${JSON.stringify(secret)}`,
    '    require_message_authenticator: true',
    '    mfa_mode: auto',
    // The web pages on loopback too, with a self-signed certificate made at first start.
    'http:',
    '  listen:',
    '    - address: 127.0.0.1',
    '      port: 8443',
    '  public_url: https://127.0.0.1:8443',
    '',
  ].join('\n');
  return { ...parseConfig({ file: '(embedded default)', text }), secretFile };
}

export function defaultBanner(secretFile: string): string {
  return [
    'mfa-radius-proxy is running on its embedded default configuration:',
    '  - RADIUS on 127.0.0.1 port 1812 (loopback only)',
    '  - local user store in ./data',
    '  - the web pages on https://127.0.0.1:8443/ (self-signed: the fingerprint is in the log above)',
    `  - one client, "localhost", whose shared secret is in ${secretFile}`,
    'To serve real gateways, write /etc/mfa-radius-proxy/config.yaml (see README.md, "Configuration");',
    'every command then uses it without --config. Check it first with:  npx mfa-radius-proxy check-config',
  ].join('\n');
}
