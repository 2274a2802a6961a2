import { existsSync } from 'node:fs';
import { relative, resolve, sep, isAbsolute } from 'node:path';

/**
 * Where the config file and the data live on an installed system. Injectable so tests never touch
 * the real /etc or /var/lib.
 */
export interface SystemPaths {
  /** Used when neither --config nor the environment names a file, if it exists. */
  readonly configFile: string;
  /** A config file under this directory never keeps its data under it (see dataDirFor). */
  readonly etcDir: string;
  /** data_dir for a config under etcDir that leaves data_dir at its default. */
  readonly dataDir: string;
}

export const SYSTEM_PATHS: SystemPaths = {
  configFile: '/etc/mfa-radius-proxy/config.yaml',
  etcDir: '/etc',
  dataDir: '/var/lib/mfa-radius-proxy',
};

/** The environment variable that names the config file when --config is not given. */
export const CONFIG_ENV = 'MFA_RADIUS_PROXY_CONFIG';

export type ConfigOrigin = '--config' | typeof CONFIG_ENV | 'system default' | 'embedded default';

export interface ConfigLocation {
  /** undefined: the embedded default (loopback only, ./data). */
  readonly file: string | undefined;
  readonly origin: ConfigOrigin;
}

/**
 * The one order every command uses: --config, then $MFA_RADIUS_PROXY_CONFIG, then the system file
 * when it exists, then the embedded default. A named file that does not exist is an error later
 * (the loader says so); only the system file is optional.
 */
export function locateConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  paths: SystemPaths = SYSTEM_PATHS,
  exists: (file: string) => boolean = existsSync,
): ConfigLocation {
  if (flag !== undefined && flag !== '') return { file: flag, origin: '--config' };
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { file: fromEnv, origin: CONFIG_ENV };
  if (exists(paths.configFile)) return { file: paths.configFile, origin: 'system default' };
  return { file: undefined, origin: 'embedded default' };
}

/** True when `file` (resolved) lies inside `dir`. */
export function isInside(file: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(file));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
