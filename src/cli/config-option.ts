import { loadDefaultConfig } from '../config/default-config.js';
import { type ConfigLocation, locateConfig, SYSTEM_PATHS } from '../config/config-location.js';
import { type LoadedConfig, loadConfigFile } from '../config/load.js';

export interface CliConfig {
  readonly loaded: LoadedConfig;
  readonly location: ConfigLocation;
  /** Reads the same file again (SIGHUP); throws an AppError when it is invalid. */
  reload(): LoadedConfig;
}

let current: { flag: string | undefined; value: CliConfig } | undefined;

/**
 * The config for this command: --config, then $MFA_RADIUS_PROXY_CONFIG, then the system file, then
 * the embedded default (config-location.ts). Says on stderr, once, which file and data directory
 * are used, so a user is never added to a store the server does not read (issue 9, item 12).
 * Throws AppError; the command wrapper (cli-action.ts) prints it.
 */
export function cliConfig(flag: string | undefined): CliConfig {
  if (current && current.flag === flag) return current.value;
  const location = locateConfig(flag);
  const file = location.file;
  const load = (): LoadedConfig => (file === undefined ? loadDefaultConfig() : loadConfigFile(file));
  const loaded = load();
  const value: CliConfig = { loaded, location, reload: load };
  current = { flag, value };
  process.stderr.write(`${describeLocation(location, loaded)}\n`);
  return value;
}

export function describeLocation(location: ConfigLocation, loaded: LoadedConfig): string {
  const from =
    location.origin === 'embedded default'
      ? `the embedded default (no --config, no $MFA_RADIUS_PROXY_CONFIG, no ${SYSTEM_PATHS.configFile})`
      : `${location.file} (from ${location.origin === 'MFA_RADIUS_PROXY_CONFIG' ? '$MFA_RADIUS_PROXY_CONFIG' : location.origin})`;
  return `config: ${from}; data_dir: ${loaded.config.data_dir}`;
}

/** Kept for the commands that only need the config. */
export function configFrom(flag: string | undefined): LoadedConfig {
  return cliConfig(flag).loaded;
}
