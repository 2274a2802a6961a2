import { defaultBanner, loadDefaultConfig } from '../config/default-config.js';
import { configWarnings } from '../config/config-warnings.js';
import { assertConfigPaths } from '../config/path-checks.js';
import { startApp } from '../app.js';
import { createAppLogger } from '../observability/syslog-wiring.js';
import { systemClock, systemTimers } from '../shared/clock.js';
import { printWarnings } from './check-config-command.js';
import { cliConfig } from './config-option.js';
import { tuneRuntime } from './runtime-tuning.js';

/** `serve`: foreground, JSON logs on stdout, SIGHUP reloads, SIGTERM/SIGINT stop cleanly. */
export async function serveCommand(opts: { config?: string }): Promise<void> {
  const { loaded, location, reload } = cliConfig(opts.config);
  // The same checks as check-config: a config it passes starts, one it refuses does not.
  assertConfigPaths(loaded);
  printWarnings(configWarnings(loaded));
  const { log, syslog } = createAppLogger({
    level: loaded.config.log.level,
    syslog: loaded.config.syslog,
    configFile: loaded.file,
    clock: systemClock,
    timers: systemTimers,
  });
  const tuned = tuneRuntime();
  if (tuned.length > 0)
    log.info({ event: 'runtime_tuning', v8_flags: tuned }, `one CPU available: V8 ${tuned.join(' ')}`);
  if (location.file === undefined) process.stderr.write(`${defaultBanner(loadDefaultConfig().secretFile)}\n`);
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp({
      loaded,
      log,
      reloadConfig: reload,
      ...(syslog ? { extraStats: () => ({ ...syslog.counters() }) } : {}),
    });
  } finally {
    log.flush();
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'signal', signal }, `received ${signal}, stopping`);
    void app.stop().then(async () => {
      log.flush();
      await syslog?.close();
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
