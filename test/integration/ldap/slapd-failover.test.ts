import { connect, createServer, type Server, type Socket } from 'node:net';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../../src/directory/ldap-directory.js';
import { ManualClock } from '../../../src/shared/clock.js';
import type { PrimaryRequest } from '../../../src/pipeline/types.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { type SlapdHarness, slapdDirectoryConfig, startSlapd } from '../../helpers/slapd.js';

let h: SlapdHarness;
let silent: Server;
let silentUrl: string;
const silentSockets: Socket[] = [];
const open: LdapDirectory[] = [];

function directory(over: Parameters<typeof slapdDirectoryConfig>[1]): LdapDirectory {
  const d = new LdapDirectory(slapdDirectoryConfig(h, over));
  open.push(d);
  return d;
}

const req = (userName: string, password: string): PrimaryRequest => ({
  userName,
  prepare: checkPassword(Buffer.from(password)),
  correlationId: 'failover',
  deadline: Date.now() + 10_000,
});

beforeAll(async () => {
  h = await startSlapd();
  // Accepts TCP and never answers: a hung directory, only a timeout gets us out.
  silent = createServer((s) => {
    silentSockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const addr = silent.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  silentUrl = `ldap://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await h?.stop();
});

describe('failover and outages', () => {
  it('skips a dead first URL (connection refused) and logs in on the second', async () => {
    const dead = `ldap://127.0.0.1:${await freeTcpPort()}`;
    const d = directory({ servers: [dead, h.url] });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({
      kind: 'ok',
      identity: { id: 'alice' },
    });
    expect((await d.explainUser('alice')).server).toBe(h.url);
    expect(await d.authenticate(req('alice', 'wrong'))).toMatchObject({ reason: 'bad_password' });
  });

  it('skips a hung first server after timeout_ms', async () => {
    const d = directory({ servers: [silentUrl, h.url], timeout_ms: 300 });
    const before = silentSockets.length;
    const t0 = Date.now();
    expect(await d.authenticate(req('carol', 'carol-pw'))).toMatchObject({ kind: 'ok' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(silentSockets.length).toBe(before + 1);
    // The hung server is now skipped for server_retry_sec: new connections go straight to the second.
    const fresh = await Promise.all(['dave', 'alice', 'bob'].map((u) => d.authenticate(req(u, `${u}-pw`))));
    expect(fresh.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(silentSockets.length).toBe(before + 1);
  });

  it('a hung only server gives directory_unavailable within the timeout, no exception', async () => {
    const d = directory({ servers: [silentUrl], timeout_ms: 200 });
    const t0 = Date.now();
    expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'directory_unavailable',
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(d.lookup('alice')).rejects.toMatchObject({ code: 'MFA_ERR_DIRECTORY' });
    expect(await d.find('alice')).toEqual({ ok: false, error: 'directory_unavailable' });
  });

  it('a server that hangs mid-session: one login fails after timeout_ms, the next ones use the second server', async () => {
    const proxy = await freezableProxy(Number(new URL(h.url).port));
    try {
      const d = directory({ servers: [proxy.url, h.url], timeout_ms: 300 });
      expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({ kind: 'ok' });
      expect((await d.explainUser('alice')).server).toBe(proxy.url);
      proxy.freeze();
      const t0 = Date.now();
      expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
        kind: 'fail',
        reason: 'directory_unavailable',
      });
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({ kind: 'ok' });
      expect((await d.explainUser('alice')).server).toBe(h.url);
    } finally {
      await proxy.close();
    }
  });

  it('a wrong service password is directory_unavailable, never the user’s bad_password', async () => {
    const d = directory({ bind_password: 'not-the-password' });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'directory_unavailable',
    });
    expect((await d.explainUser('alice')).steps.at(-1)?.detail).toMatch(/invalid credentials|0x31/i);
  });

  it('a refused service bind is not retried on every login (no AD lockout of the service account)', async () => {
    const proxy = await freezableProxy(Number(new URL(h.url).port));
    const clock = new ManualClock(Date.now());
    try {
      const d = new LdapDirectory(slapdDirectoryConfig(h, { servers: [proxy.url], bind_password: 'typo' }), {
        clock,
      });
      open.push(d);
      for (let i = 0; i < 5; i++) {
        expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
          kind: 'fail',
          reason: 'directory_unavailable',
        });
      }
      expect(proxy.connections()).toBe(1);
      clock.advance(61_000); // back-off over: one new attempt
      expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
        kind: 'fail',
        reason: 'directory_unavailable',
      });
      expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
        kind: 'fail',
        reason: 'directory_unavailable',
      });
      expect(proxy.connections()).toBe(2);
      clock.advance(61_000); // the back-off doubled: still waiting
      await d.authenticate(req('alice', 'alice-pw'));
      expect(proxy.connections()).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('directory down → directory_unavailable; back up → logins work again on the same instance', async () => {
    for (const reuse of [true, false]) {
      const d = directory({ reuse_connections: reuse, server_retry_sec: 30 });
      expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({ kind: 'ok' });
      await h.kill();
      expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
        kind: 'fail',
        reason: 'directory_unavailable',
      });
      expect(await d.authenticate(req('bob', 'bob-pw'))).toEqual({
        kind: 'fail',
        reason: 'directory_unavailable',
      });
      await h.restart();
      // Only one server: it is tried even within server_retry_sec, so recovery is immediate.
      expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({
        kind: 'ok',
        identity: { id: 'alice' },
      });
      expect(await d.authenticate(req('bob', 'bad'))).toMatchObject({ reason: 'bad_password' });
    }
  });

  it('after a restart, pooled bind connections are replaced, not reused dead', async () => {
    const d = directory({ bind_pool_size: 2 });
    await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => d.authenticate(req(u, `${u}-pw`))));
    await h.kill();
    await h.restart();
    const after = await Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((u) => d.authenticate(req(u, `${u}-pw`))),
    );
    expect(after.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});

/** A TCP relay to slapd that counts connections and can be frozen (connections stay open, nothing is relayed). */
async function freezableProxy(
  target: number,
): Promise<{ url: string; freeze(): void; connections(): number; close(): Promise<void> }> {
  let frozen = false;
  let accepted = 0;
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    accepted++;
    const upstream = connect({ host: '127.0.0.1', port: target });
    sockets.push(client, upstream);
    client.on('data', (b) => {
      if (!frozen) upstream.write(b);
    });
    upstream.on('data', (b) => {
      if (!frozen) client.write(b);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: `ldap://127.0.0.1:${addr.port}`,
    freeze: () => {
      frozen = true;
    },
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
