import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { parseFrame } from '../../../src/radius/frame.js';
import { hidePassword } from '../../../src/radius/password.js';
import { buildRequest } from '../../../src/radius/request.js';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { UdpClient } from '../../helpers/udp-client.js';
import { login, startProxyFor, startUpstream, upstreamLogins } from './upstream-env.js';

/**
 * Issue 9 item 2: a gateway's Access-Request near 4096 octets, forwarded with
 * `forward_attributes: all`, no longer fits once our NAS-Identifier and Proxy-State are added.
 * It used to throw after taking an upstream Identifier and never give it back, so 256 such
 * requests per socket stopped the upstream for every user.
 */
describe('a gateway request too large to forward upstream (real FreeRADIUS)', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let p: InProcessProxy;
  let gw: UdpClient;
  beforeAll(async () => {
    up = await startUpstream();
    // One socket: 256 Identifiers in all, so a leak shows after 256 requests.
    p = await startProxyFor([{ port: up.port, secret: up.secret }], {
      directoryExtra: ['sockets_per_server: 1'],
      extraYaml: ['mfa:', '  exempt_users: [carol]'],
    });
    gw = await UdpClient.open();
  });
  afterAll(async () => {
    await gw?.close();
    await p?.stop();
    await up?.fr.stop();
  });

  /** carol's Access-Request from the gateway, padded with Class attributes to `total` octets. */
  function request(id: number, total: number): Buffer {
    const secret = Buffer.from(p.secret);
    const authenticator = randomBytes(16);
    const attributes = [
      rawTlv(Attr.UserName, Buffer.from('carol')),
      rawTlv(Attr.UserPassword, hidePassword(Buffer.from('carol-pw'), secret, authenticator)),
    ];
    // Header 20 + Message-Authenticator 18 + User-Name 7 + User-Password 18.
    for (let left = total - 63; left > 0; ) {
      const n = left > 255 ? (left - 255 === 1 ? 254 : 255) : left;
      attributes.push(rawTlv(Attr.Class, Buffer.alloc(n - 2, 0x63)));
      left -= n;
    }
    const packet = buildRequest({
      code: PacketCode.AccessRequest,
      identifier: id,
      secret,
      authenticator,
      attributes,
    });
    expect(packet.length).toBe(total);
    return packet;
  }

  async function send(id: number, total: number): Promise<number> {
    const before = gw.received.length;
    await gw.send(request(id, total), p.port);
    const got = await gw.waitFor(before + 1, 5000);
    const reply = got[before];
    if (!reply) throw new Error(`no reply to request ${id}`);
    const f = parseFrame(reply);
    if (!f.ok) throw new Error('unparseable reply');
    return f.value.code;
  }

  it('300 requests of 4096 octets: each rejected as upstream_request_too_large; then logins still work', async () => {
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const code = await send(i & 0xff, 4096);
      const key = `${code} ${String(p.audits().at(-1)?.reason)}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    // Not the user's fault: no lockout (max_failures 5 by default), and the upstream still answers.
    const r = await login(p, 'carol', 'carol-pw');
    expect({ login: r.code, oversize: Object.fromEntries(outcomes) }).toEqual({
      login: 'Access-Accept',
      oversize: { [`${PacketCode.AccessReject} upstream_request_too_large`]: 300 },
    });
    expect(p.audits().at(-1)).toMatchObject({ reason: 'mfa_exempt' });
    const u = p.app.upstream()!;
    expect(u.counters.request_too_large).toBe(300);
    // Only carol's login went upstream.
    expect(u.counters.sent).toBe(1);
    expect(u.health.auth[0]).toMatchObject({ alive: true, free_identifiers: 256 });
  });

  it('a large request that still fits goes to FreeRADIUS and is accepted', async () => {
    const before = upstreamLogins(up.fr, 'carol');
    // 4096 - 28: exactly room for our NAS-Identifier (18) and Proxy-State (10).
    expect(await send(7, 4096 - 28)).toBe(PacketCode.AccessAccept);
    expect(p.audits().at(-1)).toMatchObject({ result: 'accept', reason: 'mfa_exempt' });
    expect(upstreamLogins(up.fr, 'carol')).toBe(before + 1);
  });
});
