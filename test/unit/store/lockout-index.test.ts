import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.js';
import { LockoutIndex } from '../../../src/store/lockout-index.js';
import { LockoutRepo } from '../../../src/store/lockout-repo.js';

const root = mkdtempSync(join(tmpdir(), 'lockout-index-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** Two connections to one DB: the server's (with a manually driven index clock) and the CLI's. */
function pair() {
  const dir = join(root, `d${n++}`);
  const serverDb = openDatabase(dir, undefined, { synchronous: 'NORMAL' });
  const cliDb = openDatabase(dir);
  let t = 0;
  const index = new LockoutIndex(serverDb, 1000, () => t);
  return {
    server: new LockoutRepo(serverDb, index),
    cli: new LockoutRepo(cliDb),
    advance: (ms: number) => {
      t += ms;
    },
    close: () => {
      serverDb.close();
      cliDb.close();
    },
  };
}

describe('LockoutIndex', () => {
  it('answers "nothing" for identities without state, and sees this connection\'s writes at once', () => {
    const p = pair();
    expect(p.server.getLock('alice')).toBeUndefined();
    expect(p.server.recordFailure('alice', 1000, 0)).toBe(1);
    // The failure is visible to the success path immediately (cleared, then gone).
    p.server.clearFailures('Alice');
    expect(p.server.countSince('alice', 0)).toBe(0);
    p.server.lock('bob', 2000, 9000, 5);
    expect(p.server.getLock('BOB')?.until).toBe(9000);
    p.close();
  });

  it('sees a lock written by another connection once its refresh interval has passed', () => {
    const p = pair();
    expect(p.server.getLock('carol')).toBeUndefined();
    // Another process (a second server on the same DB) locks carol and records a failure for dave.
    p.cli.lock('carol', 1000, 99_000, 5);
    p.cli.recordFailure('dave', 1000, 0);
    p.advance(1000);
    expect(p.server.getLock('carol')?.until).toBe(99_000);
    // dave's failure is found and cleared by the server's success path.
    p.server.clearFailures('dave');
    expect(p.cli.countSince('dave', 0)).toBe(0);
    p.close();
  });

  it('drops a lock the CLI cleared: the next look-up reads the DB and finds nothing', () => {
    const p = pair();
    p.server.lock('erin', 1000, 99_000, 5);
    p.cli.clear('erin');
    // Before the refresh the index still says "maybe"; the DB decides.
    expect(p.server.getLock('erin')).toBeUndefined();
    p.advance(1000);
    expect(p.server.getLock('erin')).toBeUndefined();
    p.close();
  });
});
