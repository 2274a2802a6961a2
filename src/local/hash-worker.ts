import { scryptSync, timingSafeEqual } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { DEFAULT_SCRYPT, DUMMY_SALT, decodePasswordHash, HASH_BYTES } from '../store/password-hash.js';

/**
 * A password-hashing thread at a lower CPU priority (this thread only): during a login flood the
 * event-loop thread still gets the CPU when it needs it, so Status-Server and duplicate answers are
 * not delayed by hashing. scryptSync is right here: this thread does nothing else.
 */
export interface HashJob {
  readonly id: number;
  readonly op: 'verify' | 'dummy';
  readonly password: Uint8Array;
  readonly encoded?: string;
}

export type HashAnswer =
  | { readonly id: number; readonly ok: true; readonly match: boolean }
  | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * nice 10: the CFS weight is 110 against the event loop's 1024, so the loop wins ~90 % of a shared
 * core; not 19, which would starve logins on a host where other busy processes run at nice 0.
 */
const HASH_NICE = 10;

try {
  // /proc/thread-self → "<pid>/task/<tid>": setpriority on a tid changes only this thread (Linux).
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid)) setPriority(tid, HASH_NICE);
} catch {
  // Not Linux, or /proc missing: hashing still runs off the event loop, at normal priority.
}

parentPort?.on('message', (job: HashJob) => {
  const pw = Buffer.from(job.password.buffer, job.password.byteOffset, job.password.byteLength);
  try {
    if (job.op === 'dummy') {
      const p = DEFAULT_SCRYPT;
      const c = scryptSync(pw, DUMMY_SALT, HASH_BYTES, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r });
      timingSafeEqual(c, c);
      parentPort!.postMessage({ id: job.id, ok: true, match: false } satisfies HashAnswer);
      return;
    }
    const d = decodePasswordHash(job.encoded ?? '');
    const c = scryptSync(pw, d.salt, d.hash.length, {
      N: d.params.N,
      r: d.params.r,
      p: d.params.p,
      maxmem: 256 * d.params.N * d.params.r,
    });
    parentPort!.postMessage({ id: job.id, ok: true, match: timingSafeEqual(c, d.hash) } satisfies HashAnswer);
  } catch (e) {
    parentPort!.postMessage({ id: job.id, ok: false, error: (e as Error).message } satisfies HashAnswer);
  } finally {
    pw.fill(0);
  }
});
