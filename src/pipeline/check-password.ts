import type { Prepared } from './types.js';

/** A `prepare` that always checks this password: for callers without a pipeline (tests, tools, bench). */
export function checkPassword(password: Buffer): () => Promise<Prepared> {
  return async () => ({ kind: 'check', password });
}
