import { defaultBanner, loadDefaultConfig } from '../config/default-config.js';
import { loadConfigFile } from '../config/load.js';
import { startApp } from '../app.js';
import { createLogger } from '../observability/logger.js';
import { isAppError } from '../shared/errors.js';
import { configFrom } from './config-option.js';
import { fail } from './io.js';
import { tuneRuntime } from './runtime-tuning.js';

/** `serve`: foreground, JSON logs on stdout, SIGHUP reloads, SIGTERM/SIGINT stop cleanly. */
export async function serveCommand(opts: { config?: string }): Promise<void> {
  const loaded = configFrom(opts.config);
  const log = createLogger({ level: loaded.config.log.level });
  const tuned = tuneRuntime();
  if (tuned.length > 0)
    log.info({ event: 'runtime_tuning', v8_flags: tuned }, `one CPU available: V8 ${tuned.join(' ')}`);
  if (!opts.config) process.stderr.write(`${defaultBanner(loadDefaultConfig().secretFile)}\n`);
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp({
      loaded,
      log,
      reloadConfig: () => (opts.config ? loadConfigFile(opts.config) : loadDefaultConfig()),
    });
  } catch (e) {
    log.flush();
    if (isAppError(e)) fail(`${e.message} (${e.code})`, 2);
    throw e;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'signal', signal }, `received ${signal}, stopping`);
    void app.stop().then(() => {
      log.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    log.info({ event: 'signal', signal: 'SIGHUP' }, 'reloading configuration');
    app.reload();
  });
}
