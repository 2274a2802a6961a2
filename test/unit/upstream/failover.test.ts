import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { answerMargin } from '../../../src/upstream/budget.js';
import type { FailoverPool } from '../../../src/upstream/failover.js';
import type { OutgoingRequest } from '../../../src/upstream/outgoing-request.js';
import { buildPool } from '../../../src/upstream/pool-factory.js';
import { type RadiusDirectoryConfig, radiusDirectorySchema } from '../../../src/upstream/radius-schema.js';
import { RandomPool } from '../../../src/upstream/random-pool.js';
import { UpstreamCounters } from '../../../src/upstream/upstream-counters.js';
import { Responder, reply, sleep } from './responder.js';
import type { Frame } from '../../../src/radius/frame.js';
import { performance } from 'node:perf_hooks';

const SECRET = 'failover-test-secret';
const KEY = Buffer.from(SECRET);
const req: OutgoingRequest = {
  code: PacketCode.AccessRequest,
  attributes: [rawTlv(Attr.UserName, Buffer.from('bob'))],
  password: Buffer.from('pw'),
  requireMessageAuthenticator: true,
};

beforeAll(() => loadDictionaries());

function config(ports: number[], extra: Partial<Record<string, unknown>> = {}): RadiusDirectoryConfig {
  return radiusDirectorySchema.parse({
    type: 'radius',
    servers: ports.map((p) => ({
      address: '127.0.0.1',
      auth_port: p,
      secret: SECRET,
      timeout: 0.1,
      retries: 0,
    })),
    probe_interval: 0.05,
    ...extra,
  });
}

describe('FailoverPool around the transports', () => {
  let a: Responder;
  let b: Responder;
  let pool: FailoverPool;
  let counters: UpstreamCounters;
  const events: Array<Record<string, unknown>> = [];
  const log = {
    warn: (o: object) => events.push(o as Record<string, unknown>),
    info: (o: object) => events.push(o as Record<string, unknown>),
  };
  const make = (extra: Partial<Record<string, unknown>> = {}) =>
    buildPool(config([a.port, b.port], extra), 'auth', { counters, rng: new RandomPool(), log });
  const accept = (r: Responder) => {
    r.handler = (q) => [reply(q, KEY)];
  };
  beforeEach(async () => {
    [a, b] = await Promise.all([Responder.start(), Responder.start()]);
    counters = new UpstreamCounters();
    events.length = 0;
  });
  afterEach(async () => {
    await pool?.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('priority order: everything to the first live server', async () => {
    pool = make();
    accept(a);
    accept(b);
    for (let i = 0; i < 4; i++) expect((await pool.send(req, 1000)).kind).toBe('answer');
    expect([a.requests.length, b.requests.length]).toEqual([4, 0]);
  });

  it('round-robin alternates', async () => {
    pool = make({ balance: 'round_robin' });
    accept(a);
    accept(b);
    for (let i = 0; i < 4; i++) await pool.send(req, 1000);
    expect([a.requests.length, b.requests.length]).toEqual([2, 2]);
  });

  it('a request that times out is retried once on the next server, within the budget', async () => {
    pool = make();
    accept(b);
    const r = await pool.send(req, 1000);
    expect(r.kind === 'answer' && r.server).toBe(`127.0.0.1:${b.port}`);
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);
    expect(counters.get('failover_retries')).toBe(1);
  });

  it('dead after dead_after consecutive timeouts; then no requests but Status-Server probes; revived by an answer', async () => {
    pool = make({ dead_after: 2 });
    accept(b);
    await pool.send(req, 1000);
    await pool.send(req, 1000);
    expect(events.filter((e) => e.event === 'upstream_dead')).toMatchObject([
      { server: `127.0.0.1:${a.port}` },
    ]);
    const sentToA = a.requests.length;
    await pool.send(req, 1000);
    expect(a.requests.filter((f) => f.code === PacketCode.AccessRequest)).toHaveLength(sentToA);
    await sleep(200);
    expect(a.requests.some((f) => f.code === PacketCode.StatusServer)).toBe(true);
    expect(pool.health()[0]).toMatchObject({ alive: false });
    // RFC 5997: the probe is answered (Access-Accept, no Message-Authenticator needed) → alive.
    a.handler = (q) => [reply(q, KEY, PacketCode.AccessAccept, [], false)];
    await sleep(200);
    expect(pool.health()[0]).toMatchObject({ alive: true, consecutive_timeouts: 0 });
    expect(events.filter((e) => e.event === 'upstream_alive')).toMatchObject([{ how: 'probe' }]);
    accept(a);
    await pool.send(req, 1000);
    expect(a.requests.at(-1)!.code).toBe(PacketCode.AccessRequest);
  });

  it('a valid answer in between resets the timeout count', async () => {
    pool = make({ dead_after: 2 });
    accept(b);
    await pool.send(req, 1000);
    accept(a);
    await pool.send(req, 1000);
    a.handler = () => undefined;
    await pool.send(req, 1000);
    expect(pool.health()[0]).toMatchObject({ alive: true, consecutive_timeouts: 1 });
  });

  it('every server dead → no_server at once', async () => {
    pool = make({ dead_after: 1, probe_interval: 60 });
    await pool.send(req, 1000);
    const t0 = Date.now();
    expect((await pool.send(req, 1000)).kind).toBe('no_server');
    expect(Date.now() - t0).toBeLessThan(50);
    expect(counters.get('no_server')).toBe(1);
  });

  it('status_check none: a dead server is tried again after probe_interval without a probe', async () => {
    pool = make({ dead_after: 1, status_check: 'none' });
    accept(b);
    await pool.send(req, 1000);
    expect(pool.health()[0]!.alive).toBe(false);
    await sleep(150);
    expect(pool.health()[0]!.alive).toBe(true);
    expect(a.requests.every((f) => f.code === PacketCode.AccessRequest)).toBe(true);
  });

  it('status_check access_request: the probe is an Access-Request whose Reject proves life', async () => {
    pool = make({ dead_after: 1, status_check: 'access_request', status_check_user: 'probe-user' });
    accept(b);
    await pool.send(req, 1000);
    a.handler = (q) => [reply(q, KEY, PacketCode.AccessReject)];
    await sleep(200);
    expect(pool.health()[0]!.alive).toBe(true);
    const probe = a.requests.find((f) =>
      f.attributes.some((x) => x.type === Attr.UserName && x.value.toString() === 'probe-user'),
    );
    expect(probe?.code).toBe(PacketCode.AccessRequest);
  });

  it('an unsigned answer ends the wait on that server early (alive, not a timeout); the next server is tried', async () => {
    // Timeouts long enough that waiting them out would show.
    const servers = (p: number) => ({
      address: '127.0.0.1',
      auth_port: p,
      secret: SECRET,
      timeout: 1,
      retries: 1,
    });
    pool = buildPool(
      radiusDirectorySchema.parse({
        type: 'radius',
        servers: [servers(a.port), servers(b.port)],
        dead_after: 1,
      }),
      'auth',
      { counters, rng: new RandomPool(), log },
    );
    const unsigned = (q: Frame) => [reply(q, KEY, PacketCode.AccessAccept, [], false)];
    a.handler = unsigned;
    accept(b);
    const t0 = performance.now();
    const r1 = await pool.send(req, 5000);
    expect(r1.kind === 'answer' && r1.server).toBe(`127.0.0.1:${b.port}`);
    expect(pool.health()[0]).toMatchObject({ alive: true, consecutive_timeouts: 0 });
    b.handler = unsigned;
    expect(await pool.send(req, 5000)).toEqual({ kind: 'unsigned', server: `127.0.0.1:${b.port}` });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(counters.get('refused_unsigned')).toBe(3);
    // Rate-limited: one warning per server.
    expect(events.filter((e) => e.event === 'upstream_unsigned_reply').map((e) => e.server)).toEqual([
      `127.0.0.1:${a.port}`,
      `127.0.0.1:${b.port}`,
    ]);
  });

  it('answerMargin keeps 10 % of the budget, between 100 ms and 1 s', () => {
    expect(answerMargin(500)).toBe(100);
    expect(answerMargin(3000)).toBe(300);
    expect(answerMargin(30_000)).toBe(1000);
  });
});
