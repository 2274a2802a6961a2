import { spawn } from 'node:child_process';
import { CLI, type CliResult } from '../../helpers/proxy.js';

/** Runs the built CLI in `cwd` with exactly `env` added (and $MFA_RADIUS_PROXY_CONFIG cleared unless given). */
export function cli(
  args: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const env = { ...process.env, MFA_RADIUS_PROXY_CONFIG: '', ...o.env };
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: o.cwd,
      env,
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
    child.stdin.end(o.stdin ?? '');
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

/** A Node stack frame ("    at fn (file:1:2)"): never printed for an expected failure. */
export const STACK = /^\s+at .+:\d+:\d+\)?$/m;
