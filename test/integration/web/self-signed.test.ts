import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { httpSchema } from '../../../src/web/http-schema.js';
import { readHttpSettings } from '../../../src/web/http-settings.js';
import { startHttp } from '../../../src/web/start-http.js';
import { freeTcpPort } from '../../helpers/ports.js';

/**
 * No cert_file/key_file: a self-signed certificate is made at first start in data_dir/http/ (by
 * the openssl command), its SHA-256 fingerprint logged, and kept for the next start.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'self-signed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines: Array<Record<string, unknown>> = [];
const log = {
  debug: () => {},
  info: (o: object) => lines.push(o as Record<string, unknown>),
  warn: (o: object) => lines.push(o as Record<string, unknown>),
  error: (o: object) => lines.push(o as Record<string, unknown>),
};

/** The fingerprint the server presents in the handshake, and what openssl computes for the file. */
const presented = (port: number, ca: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'mfa.example.com' }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
const opensslFingerprint = (file: string): string =>
  execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256'])
    .toString()
    .trim()
    .replace(/^.*=/, '');

describe('a self-signed certificate at first start', () => {
  it('is made in data_dir/http/ (key 0600), its fingerprint logged, presented, and kept on the next start', async () => {
    const port = await freeTcpPort();
    const cfg = httpSchema.parse({
      listen: [{ address: '127.0.0.1', port }],
      public_url: 'https://mfa.example.com:8443',
    });
    const deps = {
      clock: new ManualClock(0),
      log,
      configFile: join(dir, 'config.yaml'),
      dataDir: join(dir, 'data'),
      onInbound: () => {},
    };
    const first = await startHttp(cfg, deps);
    const certFile = join(dir, 'data', 'http', 'cert.pem');
    let fp: string;
    try {
      const made = lines.find((l) => l.event === 'http_certificate_generated');
      fp = opensslFingerprint(certFile);
      expect(made).toMatchObject({ file: certFile, fingerprint: fp });
      expect(lines.find((l) => l.event === 'http_listening')).toMatchObject({
        fingerprint: fp,
        self_signed: certFile,
      });
      expect(statSync(join(dir, 'data', 'http', 'key.pem')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data', 'http')).mode & 0o077).toBe(0);
      // The certificate names public_url's host: a client that pins it verifies the handshake.
      expect(await presented(port, readFileSync(certFile, 'utf8'))).toBe(fp);
    } finally {
      await first.close();
    }
    lines.length = 0;
    const second = await startHttp(cfg, deps);
    try {
      expect(lines.find((l) => l.event === 'http_certificate_generated')).toBeUndefined();
      expect(lines.find((l) => l.event === 'http_listening')).toMatchObject({ fingerprint: fp });
    } finally {
      await second.close();
    }
  });

  it('without the openssl command: a config error that says what to do', () => {
    const cfg = httpSchema.parse({ listen: [{ address: '127.0.0.1' }] });
    expect(() =>
      readHttpSettings(cfg, {
        configFile: join(dir, 'c.yaml'),
        baseDir: dir,
        dataDir: join(dir, 'no-openssl'),
        openssl: join(dir, 'no-such-openssl'),
      }),
    ).toThrow(
      /^.*c\.yaml: http\.cert_file \/ http\.key_file: not set, and no self-signed certificate could be made in .*: the openssl command is missing: install openssl; or set cert_file and key_file$/,
    );
  });
});
