// Boots a root directory with systemd-nspawn (systemd as PID 1 in a container), on the host's network
// namespace so a service listening on 127.0.0.1 in the container is on the host's loopback, and runs
// commands inside it with nsenter. The host need not run systemd (--register=no --keep-unit).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export class Container {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static boot(root: string): Container {
    const child = spawn(
      'systemd-nspawn',
      ['--register=no', '--keep-unit', '--quiet', '--console=read-only', `--directory=${root}`, '--boot'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new Container(child);
  }

  /** The container's PID 1, as seen from the host (nspawn's only child). */
  leader(): number | undefined {
    const pid = this.child.pid;
    if (pid === undefined) return undefined;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(/\s+/)[0]);
    }
    return undefined;
  }

  /** Runs a command in the container's namespaces (mount, pid, uts, ipc, cgroup; the network is shared). */
  exec(args: readonly string[]) {
    const leader = this.leader();
    if (leader === undefined) throw new Error(`the container is not running:\n${this.output.slice(-2000)}`);
    const r = spawnSync('nsenter', ['-t', String(leader), '-a', '--', ...args], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    return {
      status: r.status,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      out: `${r.stdout}${r.stderr}`,
    };
  }

  console(): string {
    return this.output;
  }

  /** SIGTERM makes nspawn shut the container's systemd down cleanly; waits for it to exit. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
