import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { HashAnswer, HashJob } from './hash-worker.js';

/** Checks passwords against stored hashes without touching the event loop. */
export interface PasswordVerifier {
  verify(password: Buffer, encoded: string): Promise<boolean>;
  /** Same cost as verify, always false: unknown users cost what known ones do. */
  dummy(password: Buffer): Promise<false>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (match: boolean) => void;
  reject: (e: Error) => void;
}

/**
 * A small pool of low-priority hashing threads (see hash-worker.ts), one per core: hashing uses
 * every idle cycle, yet never outbids the event loop. Jobs queue in the workers' message ports.
 */
export class HashPool implements PasswordVerifier {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;

  private closing = false;

  constructor(size = availableParallelism()) {
    for (let i = 0; i < Math.max(1, size); i++) this.workers.push(this.spawn());
  }

  private spawn(): Worker {
    const source = import.meta.url.endsWith('.ts');
    const url = new URL(source ? './hash-worker.ts' : './hash-worker.js', import.meta.url);
    // From TypeScript sources (tests), the worker registers the tsx loader before loading itself.
    const w = source
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
          {
            eval: true,
          },
        )
      : new Worker(url);
    w.on('message', (a: HashAnswer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (a.ok) p.resolve(a.match);
      else p.reject(new AppError(ErrorCodes.STORE, a.error));
    });
    // A hashing thread that dies takes its queued jobs with it: fail them (the login gets a reject,
    // not a hang) and start a replacement.
    w.on('error', () => undefined);
    w.on('exit', () => {
      if (this.closing) return;
      this.failAll();
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers[i] = this.spawn();
    });
    w.unref();
    return w;
  }

  verify(password: Buffer, encoded: string): Promise<boolean> {
    return this.run({ op: 'verify', password, encoded });
  }

  dummy(password: Buffer): Promise<false> {
    return this.run({ op: 'dummy', password }).then(() => false as const);
  }

  private run(job: Omit<HashJob, 'id'>): Promise<boolean> {
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A copy: the caller's Buffer may be a slice of a pooled packet buffer.
      worker.postMessage({
        id,
        op: job.op,
        password: new Uint8Array(job.password),
        encoded: job.encoded,
      } satisfies HashJob);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failAll();
  }

  private failAll(): void {
    for (const p of this.pending.values())
      p.reject(new AppError(ErrorCodes.STORE, 'password hashing thread stopped'));
    this.pending.clear();
  }
}
