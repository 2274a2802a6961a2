import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { login, startProxyFor, startUpstream, upstreamLogins } from './upstream-env.js';

type Upstream = Awaited<ReturnType<typeof startUpstream>>;

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('two upstream FreeRADIUS servers in priority order', () => {
  let up1: Upstream;
  let up2: Upstream;
  let p: InProcessProxy;
  beforeAll(async () => {
    [up1, up2] = await Promise.all([startUpstream(), startUpstream()]);
    p = await startProxyFor(
      [
        { port: up1.port, secret: up1.secret, timeout: 0.3, retries: 1 },
        { port: up2.port, secret: up2.secret, timeout: 0.3, retries: 1 },
      ],
      {
        directoryExtra: ['dead_after: 2', 'probe_interval: 0.2', 'status_check: status_server'],
        extraYaml: ['mfa:', '  exempt_users: [carol]'],
      },
    );
  });
  afterAll(async () => {
    await p?.stop();
    await up1?.fr.stop();
    await up2?.fr.stop();
  });

  const first = () => `127.0.0.1:${up1.port}`;
  const events = (event: string) => p.logs.filter((l) => l.event === event && l.server === first());

  it('sends everything to the first server while it is alive', async () => {
    for (let i = 0; i < 5; i++) expect((await login(p, 'carol', 'carol-pw')).code).toBe('Access-Accept');
    expect(upstreamLogins(up1.fr, 'carol')).toBe(5);
    expect(upstreamLogins(up2.fr, 'carol')).toBe(0);
  });

  it('the first server is killed during a run of logins: every login is still answered', async () => {
    const results: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      if (batch === 1) await up1.fr.kill();
      const codes = await Promise.all(
        Array.from({ length: 5 }, () => login(p, 'carol', 'carol-pw').then((r) => r.code)),
      );
      results.push(...codes);
    }
    expect(results).toEqual(Array(30).fill('Access-Accept'));
    // Dead after 2 timeouts; requests in flight on it were retried once on the second server.
    expect(events('upstream_dead')).toHaveLength(1);
    const u = p.app.upstream()!;
    expect(u.counters.failover_retries).toBeGreaterThanOrEqual(2);
    expect(u.health.auth[0]).toMatchObject({ server: first(), alive: false });
    expect(upstreamLogins(up2.fr, 'carol')).toBeGreaterThanOrEqual(20);
  });

  it('probes the dead server with Status-Server and sends to it again once it answers', async () => {
    const probes = p.app.upstream()!.counters.probes_sent!;
    await until('a few probes', () => p.app.upstream()!.counters.probes_sent! >= probes + 2);
    await up1.fr.restart();
    await until('upstream_alive', () => events('upstream_alive').length === 1);
    expect(events('upstream_alive')[0]).toMatchObject({ how: 'probe' });
    expect(p.app.upstream()!.counters.probes_answered).toBeGreaterThanOrEqual(1);
    const before2 = upstreamLogins(up2.fr, 'carol');
    for (let i = 0; i < 3; i++) expect((await login(p, 'carol', 'carol-pw')).code).toBe('Access-Accept');
    expect(upstreamLogins(up1.fr, 'carol')).toBe(3);
    expect(upstreamLogins(up2.fr, 'carol')).toBe(before2);
  });
});

describe('round-robin over two upstream servers', () => {
  let up1: Upstream;
  let up2: Upstream;
  let p: InProcessProxy;
  beforeAll(async () => {
    [up1, up2] = await Promise.all([startUpstream(), startUpstream()]);
    p = await startProxyFor(
      [
        { port: up1.port, secret: up1.secret },
        { port: up2.port, secret: up2.secret },
      ],
      { directoryExtra: ['balance: round_robin'], extraYaml: ['mfa:', '  exempt_users: [carol]'] },
    );
  });
  afterAll(async () => {
    await p?.stop();
    await up1?.fr.stop();
    await up2?.fr.stop();
  });

  it('alternates between the servers', async () => {
    for (let i = 0; i < 6; i++) expect((await login(p, 'carol', 'carol-pw')).code).toBe('Access-Accept');
    expect(upstreamLogins(up1.fr, 'carol')).toBe(3);
    expect(upstreamLogins(up2.fr, 'carol')).toBe(3);
  });
});
