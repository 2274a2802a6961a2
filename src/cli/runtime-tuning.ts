import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings that depend on where the server runs, applied once before it starts.
 *
 * On a single CPU (a 1-vCPU VM, or a process pinned with taskset/CPUAffinity), V8's concurrent
 * marking threads have no other core to run on: they take the event loop's CPU in slices of tens of
 * milliseconds. Measured here with the proxy pinned to one core, after an idle minute: p99 latency at
 * 1,000 requests/s of 26-39 ms with concurrent marking, 4-6.5 ms without (incremental marking on the
 * main thread, in small steps). With two or more CPUs the default stays.
 * Returns what was changed, for the start-up log.
 */
export function tuneRuntime(cpus = availableParallelism()): string[] {
  const changed: string[] = [];
  if (cpus <= 1) {
    setFlagsFromString('--no-concurrent-marking');
    changed.push('--no-concurrent-marking');
  }
  return changed;
}
