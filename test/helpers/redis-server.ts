import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from './ports.js';

export interface RedisHarness {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Stops redis-server (SIGKILL: an outage, not a clean shutdown); its data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port. */
  restart(): Promise<void>;
  /** Stops it and removes the temporary directory. */
  stop(): Promise<void>;
}

/**
 * A real redis-server (Debian's) on a free loopback port, in a temporary directory, without
 * persistence (`--save ''`, `--appendonly no`): every test file starts its own.
 */
export async function startRedis(): Promise<RedisHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'mfa-redis-'));
  const port = await freeTcpPort();
  let proc: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const p = spawn(
      '/usr/bin/redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    p.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc = p;
    await waitForPort(port, p, () => stderr);
  };

  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the TCP port until redis-server accepts (it starts in a few ms), or fails with its stderr. */
async function waitForPort(port: number, p: ChildProcess, stderr: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`redis-server exited ${p.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port}: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
