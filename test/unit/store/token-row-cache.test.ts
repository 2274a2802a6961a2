import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/database.js';
import { SealedRowCache } from '../../../src/store/sealed-row-cache.js';
import { SecretBox } from '../../../src/store/secret-box.js';
import { KEY_FILE, Store } from '../../../src/store/store.js';
import { TokenRepo } from '../../../src/store/token-repo.js';

const root = mkdtempSync(join(tmpdir(), 'token-row-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/**
 * The server's TokenRepo (NORMAL connection, cache refresh driven by a manual clock) and the CLI's
 * Store on the same data directory, as two processes would have them.
 */
function pair() {
  const dir = join(root, `d${n++}`);
  const cli = Store.open(dir);
  const db = openDatabase(dir, undefined, { synchronous: 'NORMAL' });
  let t = 0;
  let versionReads = 0;
  let rowReads = 0;
  const prepare = db.prepare.bind(db);
  // Counts the data_version reads and the token-row SELECTs (the cache is below this wrapper).
  db.prepare = ((sql: string) => {
    if (sql === 'PRAGMA data_version') versionReads++;
    if (sql.includes('FROM totp_tokens WHERE identity = ?')) rowReads++;
    return prepare(sql);
  }) as typeof db.prepare;
  const server = new TokenRepo(
    db,
    SecretBox.open(join(dir, KEY_FILE)),
    undefined,
    new SealedRowCache(db, 100, () => t),
  );
  return {
    cli: cli.tokens,
    server,
    advance: (ms: number) => {
      t += ms;
    },
    versionReads: () => versionReads,
    rowReads: () => rowReads,
    close: () => {
      db.close();
      cli.close();
    },
  };
}

describe('TokenRepo sealed-row cache', () => {
  it('sees a token the CLI removed or added once the refresh interval has passed', () => {
    const p = pair();
    const seed = randomBytes(20);
    const a = p.cli.add('alice', { secret: seed });
    expect(p.server.hasAny('alice')).toBe(true);
    expect(p.server.hasAny('bob')).toBe(false);
    p.cli.remove('alice', a.id);
    p.cli.add('bob', { secret: randomBytes(20) });
    p.advance(100);
    expect(p.server.hasAny('alice')).toBe(false);
    expect(p.server.secretsFor('alice')).toEqual([]);
    expect(p.server.hasAny('BOB')).toBe(true);
    p.close();
  });

  it('reads data_version at most once per refresh interval, and a login’s hasAny + secretsFor read the rows once', () => {
    const p = pair();
    p.cli.add('carol', { secret: randomBytes(20) });
    const before = p.versionReads();
    const rowsBefore = p.rowReads();
    for (let i = 0; i < 50; i++) {
      p.server.hasAny('carol');
      p.server.secretsFor('carol');
    }
    expect(p.versionReads() - before).toBe(1);
    expect(p.rowReads() - rowsBefore).toBe(1);
    p.advance(100);
    p.server.hasAny('carol');
    expect(p.versionReads() - before).toBe(2);
    p.close();
  });

  it('caches sealed rows only: each secretsFor opens a new plaintext buffer', () => {
    const p = pair();
    const seed = randomBytes(20);
    p.cli.add('dave', { secret: seed });
    const first = p.server.secretsFor('dave')[0]!.secret;
    expect(first.equals(seed)).toBe(true);
    // Wiping the plaintext a check used must not affect the next check.
    first.fill(0);
    const second = p.server.secretsFor('dave')[0]!.secret;
    expect(second).not.toBe(first);
    expect(second.equals(seed)).toBe(true);
    p.close();
  });

  it("this connection's claim shows in the cached row at once; another process's claim still wins the UPDATE", () => {
    const p = pair();
    const t = p.cli.add('erin', { secret: randomBytes(20) });
    expect(p.server.secretsFor('erin')[0]!.token.lastStep).toBeNull();
    expect(p.server.claimStep(t.id, 10)).toBe(true);
    expect(p.server.secretsFor('erin')[0]!.token.lastStep).toBe(10);
    // Another process claims step 11 while this connection's cache still says 10.
    expect(p.cli.claimStep(t.id, 11)).toBe(true);
    expect(p.server.secretsFor('erin')[0]!.token.lastStep).toBe(10);
    expect(p.server.claimStep(t.id, 11)).toBe(false);
    p.advance(100);
    expect(p.server.secretsFor('erin')[0]!.token.lastStep).toBe(11);
    p.close();
  });

  it("this connection's own add, remove and resetSteps are visible at once", () => {
    const p = pair();
    const t = p.server.add('frank', { secret: randomBytes(20) });
    expect(p.server.hasAny('frank')).toBe(true);
    expect(p.server.claimStep(t.id, 5)).toBe(true);
    p.server.resetSteps('frank');
    expect(p.server.secretsFor('frank')[0]!.token.lastStep).toBeNull();
    p.server.remove('frank');
    expect(p.server.hasAny('frank')).toBe(false);
    p.close();
  });
});
