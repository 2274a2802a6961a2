import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../shared/clock.js';

interface Waiter {
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The local accounting record when no upstream takes it: append-only JSON lines, one file per UTC day
 * (`accounting-YYYY-MM-DD.jsonl`) under `<data_dir>/accounting`, mode 0600 (user names and addresses
 * are personal data).
 *
 * RFC 2866 §2: an Accounting-Response is sent only once the record is safely stored. So `append`
 * resolves after the line is written AND fdatasync'ed. Group commit keeps that affordable: lines that
 * arrive while a sync is running are written and synced together by the next one, so a burst costs
 * one fdatasync per batch, not per record.
 */
export class AccountingLog {
  private readonly queue: Waiter[] = [];
  private writing = false;
  private handle: FileHandle | undefined;
  private day = '';
  private closed = false;
  /** fdatasync calls so far (one per batch), for the stats and the tests. */
  syncs = 0;

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The file for Clock ms `at`. */
  fileFor(at: number): string {
    return join(this.dir, `accounting-${new Date(at).toISOString().slice(0, 10)}.jsonl`);
  }

  append(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('accounting log closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      if (!this.writing) void this.flush();
    });
  }

  /** Waits for queued lines, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await new Promise((r) => setImmediate(r));
    await this.handle?.close();
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        const fh = await this.file();
        await fh.appendFile(batch.map((w) => `${w.line}\n`).join(''));
        await fh.datasync();
        this.syncs++;
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.writing = false;
  }

  private async file(): Promise<FileHandle> {
    const now = this.clock.now();
    const day = new Date(now).toISOString().slice(0, 10);
    if (this.handle && day === this.day) return this.handle;
    await this.handle?.close();
    this.handle = await open(this.fileFor(now), 'a', 0o600);
    this.day = day;
    return this.handle;
  }
}
