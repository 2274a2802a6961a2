import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { rawTlv, vendorTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { firstAttribute } from '../../../src/radius/frame.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { RadiusDirectory } from '../../../src/upstream/radius-directory.js';
import { radiusDirectorySchema } from '../../../src/upstream/radius-schema.js';
import { SignedServers } from '../../../src/upstream/reply-signing.js';
import { Responder, reply } from './responder.js';

const SECRET = 'directory-test-secret';
const KEY = Buffer.from(SECRET);

beforeAll(() => loadDictionaries());

describe('RadiusDirectory: the upstream answer as a PrimaryResult', () => {
  let r: Responder;
  let dir: RadiusDirectory;
  const clock = new ManualClock(1_700_000_000_000);
  const events: Array<Record<string, unknown>> = [];
  const log = {
    warn: (o: object) => events.push({ level: 'warn', ...o }),
    info: (o: object) => events.push({ level: 'info', ...o }),
  };
  const make = (extra: Record<string, unknown> = {}, server: Record<string, unknown> = {}) =>
    new RadiusDirectory(
      radiusDirectorySchema.parse({
        type: 'radius',
        servers: [
          { address: '127.0.0.1', auth_port: r.port, secret: SECRET, timeout: 0.2, retries: 0, ...server },
        ],
        ...extra,
      }),
      { clock, log, signed: new SignedServers() },
    );
  const auth = (over: Partial<Parameters<RadiusDirectory['authenticate']>[0]> = {}) =>
    dir.authenticate({
      userName: ' Alice ',
      prepare: checkPassword(Buffer.from('pw')),
      correlationId: 'c1',
      deadline: clock.now() + 3000,
      ...over,
    });
  beforeEach(async () => {
    r = await Responder.start();
    events.length = 0;
  });
  afterEach(async () => {
    await dir?.close();
    await r.close();
  });

  it('Access-Accept → ok: identity = normalized name, allow-listed raw reply attributes', async () => {
    dir = make();
    r.handler = (q) => [
      reply(q, KEY, PacketCode.AccessAccept, [
        rawTlv(Attr.FilterId, Buffer.from('vpn')),
        rawTlv(Attr.State, Buffer.from('theirs')),
        vendorTlv(311, 16, Buffer.alloc(34, 1)),
        rawTlv(Attr.Class, Buffer.from('c')),
      ]),
    ];
    const res = await auth();
    expect(res.kind).toBe('ok');
    if (res.kind !== 'ok') return;
    expect(res.identity).toMatchObject({ id: 'alice', loginName: ' Alice ' });
    expect(res.attributes.map((a) => [a.name, (a.value as Buffer).toString()])).toEqual([
      [Attr.FilterId, 'vpn'],
      [Attr.Class, 'c'],
    ]);
  });

  it('Access-Reject → upstream_reject (its Reply-Message is not relayed)', async () => {
    dir = make();
    r.handler = (q) => [
      reply(q, KEY, PacketCode.AccessReject, [rawTlv(Attr.ReplyMessage, Buffer.from('bad pw'))]),
    ];
    expect(await auth()).toEqual({ kind: 'fail', reason: 'upstream_reject', identityId: 'alice' });
  });

  it('Access-Challenge → challenge with the State byte-exact and the Reply-Messages as prompt', async () => {
    dir = make();
    const state = Buffer.from('00ff01fe', 'hex');
    r.handler = (q) => [
      reply(q, KEY, PacketCode.AccessChallenge, [
        rawTlv(Attr.State, state),
        rawTlv(Attr.ReplyMessage, Buffer.from('Enter ')),
        rawTlv(Attr.ReplyMessage, Buffer.from('PIN')),
      ]),
    ];
    const res = await auth();
    expect(res).toMatchObject({ kind: 'challenge', prompt: 'Enter PIN', attributes: [] });
    if (res.kind === 'challenge') expect(res.upstreamState.equals(state)).toBe(true);
  });

  it('the answer to a challenge carries the upstream State back unmodified', async () => {
    dir = make();
    r.handler = (q) => [reply(q, KEY, PacketCode.AccessReject)];
    await auth({ upstreamState: Buffer.from('00ff01fe', 'hex') });
    expect(firstAttribute(r.requests[0]!, Attr.State)!.toString('hex')).toBe('00ff01fe');
  });

  it('a challenge without State cannot be answered: upstream_reject', async () => {
    dir = make();
    r.handler = (q) => [
      reply(q, KEY, PacketCode.AccessChallenge, [rawTlv(Attr.ReplyMessage, Buffer.from('?'))]),
    ];
    expect((await auth()).kind).toBe('fail');
  });

  it('no answer → upstream_timeout; a spent budget → upstream_timeout without sending', async () => {
    dir = make();
    expect(await auth()).toMatchObject({ kind: 'fail', reason: 'upstream_timeout' });
    const sent = r.requests.length;
    expect(await auth({ deadline: clock.now() + 50 })).toMatchObject({
      kind: 'fail',
      reason: 'upstream_timeout',
    });
    expect(r.requests.length).toBe(sent);
  });

  it('reply_attributes list and forward_attributes list are honoured', async () => {
    dir = make({ reply_attributes: ['Class'], forward_attributes: ['Calling-Station-Id'] });
    r.handler = (q) => [
      reply(q, KEY, PacketCode.AccessAccept, [
        rawTlv(Attr.FilterId, Buffer.from('f')),
        rawTlv(Attr.Class, Buffer.from('c')),
      ]),
    ];
    const res = await auth({
      requestAttributes: [
        { name: Attr.CallingStationId, value: Buffer.from('1.2.3.4') },
        { name: Attr.NasPortType, value: Buffer.from([0, 0, 0, 5]) },
      ],
    });
    expect(res.kind === 'ok' && res.attributes.map((a) => a.name)).toEqual([Attr.Class]);
    const q = r.requests[0]!;
    expect(firstAttribute(q, Attr.CallingStationId)?.toString()).toBe('1.2.3.4');
    expect(firstAttribute(q, Attr.NasPortType)).toBeUndefined();
  });

  it('a request too large to forward → upstream_request_too_large, never a throw, no Identifier lost (issue 9)', async () => {
    dir = make({ sockets_per_server: 1 });
    r.handler = (q) => [reply(q, KEY, PacketCode.AccessAccept)];
    // What a gateway may send (4096 octets in all): forward_attributes all copies it, and our own
    // NAS-Identifier, Proxy-State and Message-Authenticator push it over the limit.
    const big = Array.from({ length: 16 }, () => ({ name: Attr.Class, value: Buffer.alloc(250, 0x62) }));
    for (let i = 0; i < 300; i++) {
      expect(await auth({ requestAttributes: big })).toEqual({
        kind: 'fail',
        reason: 'upstream_request_too_large',
        identityId: 'alice',
      });
    }
    expect(r.requests).toHaveLength(0);
    expect(dir.counters.get('request_too_large')).toBe(300);
    expect(dir.health().auth[0]).toMatchObject({ alive: true, free_identifiers: 256 });
    expect((await auth()).kind).toBe('ok');
  });

  it('require_message_authenticator: true (default) → an unsigned answer is upstream_unsigned, at once; no warning', async () => {
    dir = make({}, { timeout: 2, retries: 1 });
    r.handler = (q) => [reply(q, KEY, PacketCode.AccessAccept, [], false)];
    const t0 = Date.now();
    expect(await auth()).toEqual({ kind: 'fail', reason: 'upstream_unsigned', identityId: 'alice' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(dir.counters.get('refused_unsigned')).toBe(1);
    expect(events.filter((e) => e.event === 'upstream_ma_not_required')).toEqual([]);
    expect(events.filter((e) => e.event === 'upstream_unsigned_reply')).toMatchObject([
      { level: 'warn', server: `127.0.0.1:${r.port}`, require_message_authenticator: true },
    ]);
  });

  it.each([false, 'auto'] as const)(
    'require_message_authenticator: %s → a warning at start naming the server; unsigned answers accepted',
    async (mode) => {
      dir = make({}, { require_message_authenticator: mode });
      expect(events).toMatchObject([
        {
          level: 'warn',
          event: 'upstream_ma_not_required',
          server: `127.0.0.1:${r.port}`,
          require_message_authenticator: mode,
        },
      ]);
      r.handler = (q) => [reply(q, KEY, PacketCode.AccessReject, [], false)];
      expect(await auth()).toMatchObject({ kind: 'fail', reason: 'upstream_reject' });
      r.handler = (q) => [reply(q, KEY, PacketCode.AccessAccept, [], false)];
      expect((await auth()).kind).toBe('ok');
      expect(dir.counters.get('accepted_unsigned')).toBe(2);
    },
  );

  it('auto: once the server signed a reply, unsigned answers are upstream_unsigned', async () => {
    dir = make({}, { require_message_authenticator: 'auto' });
    r.handler = (q) => [reply(q, KEY, PacketCode.AccessReject)];
    expect(await auth()).toMatchObject({ reason: 'upstream_reject' });
    expect(events.filter((e) => e.event === 'upstream_ma_learned')).toMatchObject([
      { level: 'info', server: `127.0.0.1:${r.port}` },
    ]);
    r.handler = (q) => [reply(q, KEY, PacketCode.AccessAccept, [], false)];
    expect(await auth()).toMatchObject({ kind: 'fail', reason: 'upstream_unsigned' });
  });

  it('require_message_authenticator accepts true, false or auto only', () => {
    const parse = (v: unknown) =>
      radiusDirectorySchema.safeParse({
        type: 'radius',
        servers: [{ address: '127.0.0.1', secret: SECRET, require_message_authenticator: v }],
      });
    expect(parse(undefined).data?.servers[0]?.require_message_authenticator).toBe(true);
    for (const v of [true, false, 'auto']) expect(parse(v).success).toBe(true);
    const bad = parse('yes');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['servers', 0, 'require_message_authenticator'],
      message: 'expected true, false or auto',
    });
  });

  it('lookup() gives the normalized name without asking the upstream', async () => {
    dir = make();
    expect(await dir.lookup('  BoB ')).toEqual({ id: 'bob', loginName: '  BoB ' });
    expect(await dir.lookup('  ')).toBeNull();
    expect(r.requests).toHaveLength(0);
  });
});
