import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The built proxy as a separate process (optionally pinned to CPUs), with its JSON log parsed. */
export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function spawnProxy(configFile: string, cpus?: string): Promise<ProxyProcess> {
  const cli = resolve('dist/cli/main.js');
  const args = ['serve', '--config', configFile];
  const child = cpus
    ? spawn('taskset', ['-c', cpus, process.execPath, cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const logs: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        // Keep only what the bench reads; the per-login audit lines would pile up.
        if (e.event !== 'auth') logs.push(e);
      } catch {
        // ignore
      }
    }
  });
  const until = Date.now() + 15_000;
  while (!logs.some((l) => l.event === 'started')) {
    if (child.exitCode !== null) throw new Error('proxy exited before starting');
    if (Date.now() > until) throw new Error('proxy did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    logs,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then wait for the exit (a no-op when the process has already gone). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
}

/**
 * Writes the config every bench proxy shares (loopback listener, one `bench` client) around the
 * parts that differ: the directory section and any extra top-level keys.
 */
export function writeBenchConfig(
  file: string,
  o: {
    port: number;
    dataDir: string;
    secret: string;
    mfaMode: string;
    directory?: string[];
    extra?: string[];
    /** More keys of the `bench` client (e.g. nas_timeout). */
    clientExtra?: string[];
  },
): string {
  writeFileSync(
    file,
    [
      'listen:',
      '  - address: 127.0.0.1',
      `    auth_port: ${o.port}`,
      `data_dir: ${o.dataDir}`,
      ...(o.directory ?? []),
      'clients:',
      '  - name: bench',
      '    address: 127.0.0.1',
      `    secret: "${o.secret}"`,
      `    mfa_mode: ${o.mfaMode}`,
      ...(o.clientExtra ?? []).map((l) => `    ${l}`),
      ...(o.extra ?? []),
      '',
    ].join('\n'),
  );
  return file;
}
