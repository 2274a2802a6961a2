import { assertConfigPaths } from '../config/path-checks.js';
import type { LoadedConfig } from '../config/load.js';
import { Store } from '../store/store.js';
import { cliConfig } from './config-option.js';

export interface Common {
  config?: string;
}

/** Opens the store of the resolved config (after checking its paths), runs fn, closes it. */
export async function withStore<T>(
  opts: Common,
  fn: (store: Store, loaded: LoadedConfig) => T | Promise<T>,
): Promise<T> {
  const { loaded } = cliConfig(opts.config);
  assertConfigPaths(loaded);
  const store = Store.open(loaded.config.data_dir);
  try {
    return await fn(store, loaded);
  } finally {
    store.close();
  }
}
