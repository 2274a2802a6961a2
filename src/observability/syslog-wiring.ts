import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { DEFAULT_SYSLOG_PORTS, type SyslogConfig } from '../config/syslog-section.js';
import type { Clock, Timers } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { createLogger, type Logger, stdoutDestination } from './logger.js';
import { SyslogDestination } from './syslog-destination.js';
import { facilityCode } from './syslog-format.js';

/**
 * The logger of `serve`: the JSON lines on stdout and, with a `syslog:` section, the same lines to
 * the syslog server as a second pino destination (pino.multistream, each with its own level).
 */

export interface AppLogger {
  readonly log: Logger;
  /** Present with a `syslog:` section: its counters go into the `stats` event, close() at stop. */
  readonly syslog?: SyslogDestination;
}

function readPem(file: string, key: string, configFile: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new AppError(
      ErrorCodes.CONFIG_PATH,
      `${configFile}: ${key}: ${file} cannot be read (${code}); give the PEM file the syslog connection needs, readable by the service user`,
      { file: configFile, key },
      { cause: e },
    );
  }
}

export function syslogDestination(
  cfg: SyslogConfig,
  deps: { readonly clock: Clock; readonly timers: Timers; readonly configFile: string },
): SyslogDestination {
  const t = cfg.tls;
  return new SyslogDestination({
    link: {
      transport: cfg.transport,
      host: cfg.host,
      port: cfg.port ?? DEFAULT_SYSLOG_PORTS[cfg.transport],
      connectTimeoutMs: 10_000,
      ...(cfg.transport === 'tls' && t
        ? {
            tls: {
              ca: readPem(t.ca_file, 'syslog.tls.ca_file', deps.configFile),
              ...(t.cert_file && t.key_file
                ? {
                    cert: readPem(t.cert_file, 'syslog.tls.cert_file', deps.configFile),
                    key: readPem(t.key_file, 'syslog.tls.key_file', deps.configFile),
                  }
                : {}),
              servername: t.servername ?? cfg.host,
            },
          }
        : {}),
    },
    facility: facilityCode(cfg.facility),
    appName: cfg.app_name,
    hostname: cfg.hostname ?? hostname(),
    procId: String(process.pid),
    queueSize: cfg.queue_size,
    maxMessageBytes: cfg.max_message_bytes,
    bom: cfg.utf8_bom,
    clock: deps.clock,
    timers: deps.timers,
  });
}

export function createAppLogger(opts: {
  readonly level: string;
  readonly syslog: SyslogConfig | undefined;
  readonly configFile: string;
  readonly clock: Clock;
  readonly timers: Timers;
}): AppLogger {
  if (!opts.syslog) return { log: createLogger({ level: opts.level }) };
  const syslog = syslogDestination(opts.syslog, opts);
  const values = pino.levels.values;
  const lowest =
    (values[opts.syslog.min_level] ?? 30) < (values[opts.level] ?? 30) ? opts.syslog.min_level : opts.level;
  const stdout = stdoutDestination();
  const streams = pino.multistream([
    { level: opts.level as pino.Level, stream: stdout },
    { level: opts.syslog.min_level, stream: syslog },
  ]);
  // multistream has no flush(): log.flush() (serve, before exit) must still reach stdout's batch.
  const destination = Object.assign(streams, {
    flush: (cb?: (e?: Error | null) => void) => stdout.flush(cb),
  });
  const log = createLogger({ level: lowest, destination });
  const where = `${opts.syslog.transport}://${opts.syslog.host}:${opts.syslog.port ?? DEFAULT_SYSLOG_PORTS[opts.syslog.transport]}`;
  syslog.onNotice((n) => {
    if (n.kind === 'unreachable')
      log.warn(
        { event: 'syslog_unreachable', server: where, error: n.error, dropped: n.dropped, queued: n.queued },
        `syslog server ${where} unreachable (${n.error}); lines are queued, then dropped (at most one warning a minute)`,
      );
    else
      log.info(
        { event: 'syslog_connected', server: where, failures: n.after_failures },
        `sending the log to syslog server ${where}`,
      );
  });
  syslog.start();
  return { log, syslog };
}
