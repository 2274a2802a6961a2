import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { AppError, ErrorCodes } from '../shared/errors.js';

/**
 * With neither `http.cert_file` nor `http.key_file`: a self-signed certificate, made once at first
 * start into `data_dir/http/` and kept, so its fingerprint stays what the admin noted. node:crypto
 * cannot issue X.509 certificates, so the openssl command makes it (P-256 key, 825 days, the
 * names of public_url and the listen addresses as subjectAltName).
 */
export interface SelfSigned {
  readonly certFile: string;
  readonly keyFile: string;
  readonly generated: boolean;
}

const NO_CERT = 'http.cert_file / http.key_file: not set, and no self-signed certificate could be made';

export function ensureSelfSigned(
  dir: string,
  names: readonly string[],
  opts: {
    readonly openssl?: string;
    readonly days?: number;
    /** Prefix of the error message: the config file. */
    readonly where?: string;
  } = {},
): SelfSigned {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // The certificate is renamed into place last: a start cut short leaves no cert, so it is made again.
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile, generated: false };
  const unique = [...new Set(names.filter((n) => n !== '' && n !== '0.0.0.0' && n !== '::'))];
  const cn = unique.find((n) => isIP(n) === 0) ?? unique[0] ?? 'mfa-radius-proxy';
  const san = unique.map((n) => (isIP(n) === 0 ? `DNS:${n}` : `IP:${n}`)).join(',');
  const tmpCert = `${certFile}.tmp`;
  const tmpKey = `${keyFile}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    execFileSync(
      opts.openssl ?? 'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        tmpKey,
        '-out',
        tmpCert,
        '-days',
        String(opts.days ?? 825),
        '-subj',
        `/CN=${cn.replace(/[/\\=+,]/g, '_')}`,
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'keyUsage=critical,digitalSignature',
        '-addext',
        'extendedKeyUsage=serverAuth',
        ...(san ? ['-addext', `subjectAltName=${san}`] : []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    chmodSync(tmpKey, 0o600);
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  } catch (e) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why =
      err.code === 'ENOENT' && err.path === (opts.openssl ?? 'openssl')
        ? 'the openssl command is missing: install openssl'
        : err.code === 'EACCES'
          ? `${dir} is not writable: let the service user write data_dir`
          : (err.stderr?.toString().trim().split('\n')[0] ?? String(e)).slice(0, 200);
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `${opts.where ?? ''}${NO_CERT} in ${dir}: ${why}; or set cert_file and key_file`,
      { key: 'http.cert_file', path: dir },
      { cause: e },
    );
  }
  return { certFile, keyFile, generated: true };
}

/** The SHA-256 fingerprint of a PEM certificate (the first in the file), `AB:CD:…`. */
export function fingerprint256(certPem: string): string {
  return new X509Certificate(readPemFirst(certPem)).fingerprint256;
}

const readPemFirst = (pem: string): string => {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  return m ? m[0] : pem;
};
