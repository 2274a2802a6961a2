import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isInside, SYSTEM_PATHS, type SystemPaths } from './config-location.js';
import type { LoadedConfig } from './load.js';

/**
 * Advice that does not stop the service (issue 9, item 14): `check-config` and `serve` both print
 * it. Never includes a secret, only where it is and how long it is.
 */

/** RFC 2865 §3 recommends shared secrets of at least 16 octets. */
export const MIN_RECOMMENDED_SECRET = 16;

export function configWarnings(
  loaded: LoadedConfig,
  stat: (file: string) => { mode: number } = statSync,
  paths: SystemPaths = SYSTEM_PATHS,
): string[] {
  const { config, file } = loaded;
  const out: string[] = [];
  const short = (key: string, what: string, secret: string): void => {
    if (secret.length < MIN_RECOMMENDED_SECRET)
      out.push(
        `${file}: ${key}: the shared secret of ${what} has ${secret.length} characters; use ${MIN_RECOMMENDED_SECRET} or more random characters (RFC 2865 §3)`,
      );
  };
  config.clients.forEach((c, i) => {
    short(`clients[${i}].secret`, `client "${c.name}"`, c.secret);
  });
  if (config.directory.type === 'radius') {
    config.directory.servers.forEach((s, i) => {
      short(`directory.servers[${i}].secret`, `upstream server ${s.address}`, s.secret);
    });
  }
  let mode: number | undefined;
  try {
    mode = stat(file).mode;
  } catch {
    // The embedded default has no file; a file that vanished since loading is not worth a warning.
  }
  // Group-readable is fine: the Debian package makes it root:mfa-radius-proxy 0640, the service's
  // own group. Readable by everyone on the box is not.
  if (mode !== undefined && (mode & 0o004) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    out.push(
      `${file}: the config file is readable by others (mode ${octal}) and holds the shared secrets (clients[].secret); fix with: chmod o-rwx ${file}`,
    );
  }
  const old = join(dirname(resolve(file)), 'data');
  // Before issue 9 item 12 a config under /etc without data_dir kept its store next to it.
  if (
    isInside(file, paths.etcDir) &&
    config.data_dir === paths.dataDir &&
    existsSync(join(old, 'mfa.db')) &&
    !existsSync(join(paths.dataDir, 'mfa.db'))
  ) {
    out.push(
      `${file}: data_dir: left out, so the data is in ${paths.dataDir}, but a store exists in ${old} (where earlier versions put it): move it (mfa.db* and secret.key together) or set data_dir: ${old}`,
    );
  }
  return out;
}
