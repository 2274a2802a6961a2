import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawTlv, vendorTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { firstAttribute } from '../../../src/radius/frame.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { RadiusDirectory } from '../../../src/upstream/radius-directory.js';
import { radiusDirectorySchema } from '../../../src/upstream/radius-schema.js';
import { Responder, reply } from './responder.js';

const SECRET = 'directory-test-secret';
const KEY = Buffer.from(SECRET);

beforeAll(() => loadDictionaries());

describe('RadiusDirectory: the upstream answer as a PrimaryResult', () => {
  let r: Responder;
  let dir: RadiusDirectory;
  const clock = new ManualClock(1_700_000_000_000);
  const make = (extra: Record<string, unknown> = {}) =>
    new RadiusDirectory(
      radiusDirectorySchema.parse({
        type: 'radius',
        servers: [{ address: '127.0.0.1', auth_port: r.port, secret: SECRET, timeout: 0.2, retries: 0 }],
        ...extra,
      }),
      { clock },
    );
  const auth = (over: Partial<Parameters<RadiusDirectory['authenticate']>[0]> = {}) =>
    dir.authenticate({
      userName: ' Alice ',
      password: Buffer.from('pw'),
      correlationId: 'c1',
      deadline: clock.now() + 3000,
      ...over,
    });
  beforeEach(async () => {
    r = await Responder.start();
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

  it('lookup() gives the normalized name without asking the upstream', async () => {
    dir = make();
    expect(await dir.lookup('  BoB ')).toEqual({ id: 'bob', loginName: '  BoB ' });
    expect(await dir.lookup('  ')).toBeNull();
    expect(r.requests).toHaveLength(0);
  });
});
