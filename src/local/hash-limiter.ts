import { availableParallelism } from 'node:os';

/**
 * Bounds how many scrypt computations run at once. scrypt already runs in libuv's pool (off the
 * event loop), but four pool threads on a two-core box would still starve the event-loop thread of
 * CPU during a login flood, and Status-Server and duplicate answers would wait. One core stays free
 * for the loop; further logins queue here.
 */
export class HashLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit = Math.max(1, availableParallelism() - 1)) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  get waiting(): number {
    return this.queue.length;
  }
}
