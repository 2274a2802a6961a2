import { type ExecFileSyncOptions, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchUser } from './upstream-setup.js';

/** The last commit before the pipeline was reshaped into steps over async ports (issue 10). */
export const DEFAULT_BASELINE = '4357330';

/** Another build of this proxy, from a git ref, to run beside this checkout's in the same reps. */
export interface Baseline {
  readonly ref: string;
  /** Its `dist/cli/main.js`. */
  readonly cli: string;
  /** Seeds a data dir with TOTP enrolments through that build's own Store (its schema, its sealing). */
  seed(dataDir: string, users: readonly BenchUser[]): Promise<void>;
  remove(): void;
}

/** `BENCH_BASELINE=<ref>` (default 4357330); `none` turns it off. */
export function baselineRef(): string | undefined {
  const ref = process.env.BENCH_BASELINE ?? DEFAULT_BASELINE;
  return ref === '' || ref === 'none' ? undefined : ref;
}

/**
 * A detached `git worktree` of `ref` in a temp dir, with this checkout's node_modules linked in,
 * built as `npm run build` does. `remove()` deletes the worktree (also when the build failed).
 */
export function prepareBaseline(ref: string): Baseline {
  const root = resolve('.');
  const dir = join(mkdtempSync(join(tmpdir(), 'mfa-bench-baseline-')), 'tree');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', root, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const remove = () => {
    try {
      git('worktree', 'remove', '--force', dir);
    } catch {
      git('worktree', 'prune');
    }
    rmSync(join(dir, '..'), { recursive: true, force: true });
  };
  process.stdout.write(`baseline: building ${ref} in ${dir}\n`);
  git('worktree', 'add', '--detach', dir, ref);
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const inTree: ExecFileSyncOptions = { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] };
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], inTree);
    execFileSync(process.execPath, ['scripts/copy-assets.mjs'], inTree);
    const cli = join(dir, 'dist/cli/main.js');
    if (!existsSync(cli)) throw new Error(`baseline ${ref}: the build made no ${cli}`);
    return {
      ref,
      cli,
      async seed(dataDir, users) {
        const { Store } = (await import(pathToFileURL(join(dir, 'dist/store/store.js')).href)) as {
          Store: { open(d: string): { tokens: { add(id: string, t: { secret: Buffer }): unknown }; close(): void } };
        };
        const store = Store.open(dataDir);
        for (const u of users) store.tokens.add(u.name, { secret: u.seed });
        store.close();
      },
      remove,
    };
  } catch (e) {
    remove();
    throw e;
  }
}
