import { isAbsolute, join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { readConfigFile } from '../config/config-file-read.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { HttpConfig } from './http-schema.js';
import { ensureSelfSigned, fingerprint256 } from './self-signed.js';

/**
 * The `http:` section's files, read once at start (relative paths are relative to the config
 * file). A missing, empty or unusable file is a config error naming the key and the fix.
 */
export interface HttpSettings {
  readonly listen: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** Undefined: the admin surface is served on `listen` too. */
  readonly adminListen: ReadonlyArray<{ readonly address: string; readonly port: number }> | undefined;
  readonly cert: string;
  readonly key: string;
  /** public_url without a trailing slash. */
  readonly publicUrl: string | undefined;
  readonly twilio: { readonly path: string; readonly authToken: string } | undefined;
  /** SHA-256 of the certificate, for the log (what a browser or an admin compares). */
  readonly fingerprint: string;
  /** Set when no cert_file/key_file are configured: where the self-signed one is, and if it is new. */
  readonly selfSigned: { readonly certFile: string; readonly generated: boolean } | undefined;
}

export function readHttpSettings(
  cfg: HttpConfig,
  opts: { configFile: string; baseDir: string; dataDir: string; openssl?: string },
): HttpSettings {
  const where = `${opts.configFile}: `;
  const read = (key: string, file: string): string => {
    const path = isAbsolute(file) ? file : resolve(opts.baseDir, file);
    const text = readConfigFile(file, `http.${key}`, opts);
    if (text.trim() === '')
      throw new AppError(ErrorCodes.CONFIG_INVALID, `${where}http.${key}: ${path} is empty`, {
        key: `http.${key}`,
        path,
      });
    return text;
  };
  // The schema allows both files or neither; neither means the self-signed pair in data_dir/http/.
  const self =
    cfg.cert_file === undefined || cfg.key_file === undefined
      ? ensureSelfSigned(
          join(opts.dataDir, 'http'),
          [
            ...(cfg.public_url ? [new URL(cfg.public_url).hostname.replace(/^\[|\]$/g, '')] : []),
            ...cfg.listen.map((l) => l.address),
            ...(cfg.admin_listen ?? []).map((l) => l.address),
          ],
          { where, ...(opts.openssl ? { openssl: opts.openssl } : {}) },
        )
      : undefined;
  const cert = read('cert_file', self?.certFile ?? cfg.cert_file ?? '');
  const key = read('key_file', self?.keyFile ?? cfg.key_file ?? '');
  try {
    // Fails here, with the keys named, rather than at the first TLS handshake.
    createSecureContext({ cert, key });
  } catch (e) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `${where}http.cert_file / http.key_file: not a usable PEM certificate and matching private key (${(e as Error).message})`,
      { key: 'http.cert_file' },
      { cause: e },
    );
  }
  const tw = cfg.twilio_webhook;
  const authToken = tw
    ? tw.auth_token_file !== undefined
      ? read('twilio_webhook.auth_token_file', tw.auth_token_file).trim()
      : (tw.auth_token ?? '')
    : '';
  return {
    listen: cfg.listen,
    adminListen: cfg.admin_listen,
    cert,
    key,
    publicUrl: cfg.public_url?.replace(/\/+$/, ''),
    twilio: tw ? { path: tw.path, authToken } : undefined,
    fingerprint: fingerprint256(cert),
    selfSigned: self ? { certFile: self.certFile, generated: self.generated } : undefined,
  };
}
