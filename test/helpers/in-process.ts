import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { closeSync, openSync, writeSync } from 'node:fs';
import { type RunningApp, startApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { ManualClock, ManualTimers } from '../../src/shared/clock.js';
import { hashPassword } from '../../src/store/password-hash.js';
import { base32Decode } from '../../src/factors/totp.js';
import { freeUdpPort } from './ports.js';
import { logFile, registerSensitive } from './sensitive.js';

export interface InProcessProxy {
  readonly app: RunningApp;
  readonly port: number;
  readonly server: string;
  readonly secret: string;
  readonly clock: ManualClock;
  /** Timers on the same clock: `timers.advance(ms)` fires the out-of-band waits that fall due. */
  readonly timers: ManualTimers;
  readonly logs: Array<Record<string, unknown>>;
  readonly dir: string;
  addUser(name: string, password: string, opts?: { exempt?: boolean; totpBase32?: string }): Promise<void>;
  audits(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * The real server, in the test's process, with a manual clock: TOTP windows, State expiry and
 * lockout windows are tested by moving the clock, never by sleeping.
 */
export async function startInProcess(
  opts: { clientYaml?: string[]; extraYaml?: string[]; startMs?: number } = {},
): Promise<InProcessProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-inproc-'));
  const port = await freeUdpPort();
  const secret = `inproc-${Math.random().toString(36).slice(2)}`;
  registerSensitive(secret);
  const text = [
    'listen:',
    '  - address: 127.0.0.1',
    `    auth_port: ${port}`,
    `data_dir: ${join(dir, 'data')}`,
    'clients:',
    '  - name: vpn',
    '    address: 127.0.0.1',
    `    secret: ${JSON.stringify(secret)}`,
    ...(opts.clientYaml ?? ['mfa_mode: challenge']).map((l) => `    ${l}`),
    ...(opts.extraYaml ?? []),
    '',
  ].join('\n');
  const loaded = parseConfig({ file: join(dir, 'config.yaml'), text });
  const logs: Array<Record<string, unknown>> = [];
  // Synchronous writes: a test worker may exit right after the test, before a stream would flush.
  const fd = openSync(logFile('inproc'), 'a');
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      writeSync(fd, chunk);
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const clock = new ManualClock(opts.startMs ?? Date.UTC(2026, 0, 15, 12, 0, 0));
  const log = createLogger({ level: 'debug', destination });
  const timers = new ManualTimers(clock);
  const app = await startApp({ loaded, log, clock, timers });
  return {
    app,
    port,
    server: `127.0.0.1:${port}`,
    secret,
    clock,
    timers,
    logs,
    dir,
    async addUser(name, password, o = {}) {
      registerSensitive(password, o.totpBase32);
      app.store.users.add(name, await hashPassword(Buffer.from(password)), { mfaExempt: o.exempt === true });
      if (o.totpBase32) {
        const secretBytes = base32Decode(o.totpBase32);
        if (!secretBytes.ok) throw new Error('bad base32');
        app.store.tokens.add(name.toLowerCase(), { secret: secretBytes.value });
      }
    },
    audits: () => logs.filter((l) => l.event === 'auth'),
    async stop() {
      await app.stop();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
