import { loadDefaultConfig } from '../config/default-config.js';
import { type LoadedConfig, loadConfigFile } from '../config/load.js';
import { isAppError } from '../shared/errors.js';
import { fail } from './io.js';

/** Loads --config FILE, or the embedded default when none is given; exits with the message on error. */
export function configFrom(file: string | undefined): LoadedConfig {
  try {
    return file ? loadConfigFile(file) : loadDefaultConfig();
  } catch (e) {
    if (isAppError(e)) fail(`${e.message}\n(${e.code})`, 2);
    throw e;
  }
}
