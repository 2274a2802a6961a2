import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { PrimaryAuthenticator } from '../pipeline/types.js';
import { ClientTable } from '../server/client-table.js';
import type { DropSink } from '../server/drop-log.js';
import { DuplicateCache } from '../server/duplicate-cache.js';
import { UdpListener } from '../server/udp-listener.js';
import type { Clock } from '../shared/clock.js';
import { RadiusDirectory } from '../upstream/radius-directory.js';
import { AccountingLog } from './accounting-log.js';
import { type AccountingLogger, AccountingServer } from './accounting-server.js';
import { type AccountingSink, LocalAccountingSink, UpstreamAccountingSink } from './accounting-sink.js';
import { SessionTable } from './session-table.js';

/** The accounting side of the app, for the composition root. */
export interface AccountingService {
  readonly listeners: readonly UdpListener[];
  readonly server: AccountingServer;
  readonly sessions: SessionTable;
  /** After a reload: the new clients, and the new primary (its upstream accounting servers). */
  swap(config: Readonly<Config>, primary: PrimaryAuthenticator): void;
  stop(): Promise<void>;
}

/**
 * Starts an accounting listener on every `listen[].acct_port`, or returns undefined when none is
 * configured. Records go to the upstream's accounting servers when the directory is `radius` with
 * `forward_accounting` on, else to the local JSON-lines log under `<data_dir>/accounting`.
 */
export async function startAccounting(opts: {
  readonly config: Readonly<Config>;
  readonly primary: PrimaryAuthenticator;
  readonly clock: Clock;
  readonly log: AccountingLogger;
  readonly drops?: DropSink;
}): Promise<AccountingService | undefined> {
  const { config, clock } = opts;
  const ports = config.listen.filter((l) => l.acct_port !== undefined);
  if (ports.length === 0) return undefined;
  let localLog: AccountingLog | undefined;
  const sinkFor = (cfg: Readonly<Config>, primary: PrimaryAuthenticator): AccountingSink => {
    if (primary instanceof RadiusDirectory && primary.accounting)
      return new UpstreamAccountingSink(primary.accounting);
    localLog ??= new AccountingLog(join(cfg.data_dir, 'accounting'), clock);
    return new LocalAccountingSink(localLog);
  };
  const sessions = new SessionTable();
  const server = new AccountingServer(
    { clients: new ClientTable(config.clients), sink: sinkFor(config, opts.primary) },
    {
      clock,
      duplicates: new DuplicateCache(clock, config.radius.duplicate_window_sec * 1000),
      sessions,
      log: opts.log,
      drops: opts.drops,
    },
  );
  const listeners: UdpListener[] = [];
  try {
    for (const l of ports) listeners.push(await UdpListener.bind(l.address, l.acct_port!, server.onDatagram));
  } catch (e) {
    await Promise.all(listeners.map((x) => x.close()));
    throw e;
  }
  return {
    listeners,
    server,
    sessions,
    swap(cfg, primary) {
      server.swapRuntime({ clients: new ClientTable(cfg.clients), sink: sinkFor(cfg, primary) });
    },
    async stop() {
      for (const l of listeners) l.pause();
      await server.drain();
      await Promise.all(listeners.map((l) => l.close()));
      await localLog?.close();
    },
  };
}
