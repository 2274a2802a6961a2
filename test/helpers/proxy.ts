import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeUdpPort } from './ports.js';
import { logFile, registerSensitive } from './sensitive.js';

export const CLI = resolve('dist/cli/main.js');

export interface LogEntry {
  readonly [key: string]: unknown;
  readonly event?: string;
  readonly msg?: string;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as an admin would, with optional stdin. */
export function runCli(args: string[], stdin?: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

export class ProxyHandle {
  readonly entries: LogEntry[] = [];
  private readonly waiters: Array<{ pred: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }> = [];
  exited: Promise<number>;

  constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly configFile: string,
    readonly port: number,
    readonly secret: string,
  ) {
    // Synchronous writes: a test worker may exit right after the test, before a stream would flush.
    const fd = openSync(logFile('proxy'), 'a');
    const sink = { write: (d: Buffer) => writeSync(fd, d) };
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      sink.write(d);
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        try {
          const entry = JSON.parse(line) as LogEntry;
          this.entries.push(entry);
          for (const w of [...this.waiters]) {
            if (w.pred(entry)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(entry);
            }
          }
        } catch {
          // not a JSON line
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => sink.write(d));
    this.exited = new Promise((r) => child.on('exit', (code) => r(code ?? -1)));
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  waitFor(pred: (e: LogEntry) => boolean, timeoutMs = 10_000): Promise<LogEntry> {
    const found = this.entries.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out waiting for a log entry; last: ${JSON.stringify(this.entries.slice(-3))}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolveWait(e);
        },
      });
    });
  }

  /** The audit events so far. */
  audits(): LogEntry[] {
    return this.entries.filter((e) => e.event === 'auth');
  }

  cli(args: string[], stdin?: string): Promise<CliResult> {
    return runCli([...args, '--config', this.configFile], stdin);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes a config (YAML text built from the chosen port and secret) and starts `serve`. */
export async function startProxy(opts: {
  configYaml?: (p: { port: number; secret: string; dataDir: string }) => string;
  clientExtra?: string;
  secret?: string;
  /** Flags for node before the script, e.g. `--jitless` as the appliance runs it. */
  nodeFlags?: readonly string[];
}): Promise<ProxyHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-proxy-'));
  const port = await freeUdpPort();
  const secret = opts.secret ?? `s3cret-${Math.random().toString(36).slice(2)}`;
  registerSensitive(secret);
  const dataDir = join(dir, 'data');
  const yaml =
    opts.configYaml?.({ port, secret, dataDir }) ??
    [
      'listen:',
      '  - address: 127.0.0.1',
      `    auth_port: ${port}`,
      `data_dir: ${dataDir}`,
      'directory:',
      '  type: local',
      'clients:',
      '  - name: vpn',
      '    address: 127.0.0.0/8',
      `    secret: ${JSON.stringify(secret)}`,
      '    require_message_authenticator: true',
      ...(opts.clientExtra ? opts.clientExtra.split('\n').map((l) => `    ${l}`) : ['    mfa_mode: auto']),
      '',
    ].join('\n');
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, yaml);
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), CLI, 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new ProxyHandle(child, dir, configFile, port, secret);
  await Promise.race([
    handle.waitFor((e) => e.event === 'started', 15_000),
    handle.exited.then((code) => {
      throw new Error(`proxy exited with ${code} before it started`);
    }),
  ]);
  return handle;
}
