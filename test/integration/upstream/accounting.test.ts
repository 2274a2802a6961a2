import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTlv } from '../../../src/radius/attributes.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { buildRequest } from '../../../src/radius/request.js';
import { readAccountingDetail } from '../../helpers/freeradius.js';
import { UdpClient } from '../../helpers/udp-client.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { type AcctProxy, radAcct, sessionPackets, startAcctProxy } from './acct-env.js';
import { radiusDirectoryYaml, startUpstream } from './upstream-env.js';

describe('accounting forwarded to the upstream FreeRADIUS', () => {
  let up: Awaited<ReturnType<typeof startUpstream>>;
  let p: AcctProxy;
  beforeAll(async () => {
    up = await startUpstream();
    p = await startAcctProxy(radiusDirectoryYaml([{ port: up.port, secret: up.secret }]));
  });
  afterAll(async () => {
    await p?.stop();
    await up?.fr.stop();
  });

  it('Start, Interim-Update and Stop are acknowledged after the upstream recorded them', async () => {
    const s = sessionPackets('sess-0001', 'alice');
    expect((await radAcct(p.acctServer, p.secret, s.start)).code).toBe('Accounting-Response');
    expect(p.app.accounting!.sessions.list()).toMatchObject([
      { sessionId: 'sess-0001', userName: 'alice', nasIp: '10.1.0.5', framedIp: '172.16.0.9' },
    ]);
    expect((await radAcct(p.acctServer, p.secret, s.interim)).code).toBe('Accounting-Response');
    expect(p.app.accounting!.sessions.forUser('ALICE')).toMatchObject([
      { sessionTime: 60, inputOctets: 1000, outputOctets: 2000, callingStationId: '198.51.100.7' },
    ]);
    expect((await radAcct(p.acctServer, p.secret, s.stop)).code).toBe('Accounting-Response');
    expect(p.app.accounting!.sessions.size).toBe(0);

    // FreeRADIUS's detail file holds all three, with the gateway's attributes.
    const detail = readAccountingDetail(up.fr);
    for (const t of ['Start', 'Interim-Update', 'Stop'])
      expect(detail).toMatch(new RegExp(`Acct-Status-Type = ${t}`));
    expect(detail.match(/Acct-Session-Id = "sess-0001"/g)).toHaveLength(3);
    expect(detail).toMatch(/Acct-Terminate-Cause = User-Request/);
    expect(p.app.accounting!.server.counters.get('forwarded')).toBe(3);
  });

  it('echoes the gateway Proxy-States in order on the Accounting-Response', async () => {
    const s = sessionPackets('sess-0002', 'bob');
    const r = await radAcct(p.acctServer, p.secret, [
      ...s.start,
      'Proxy-State = 0xaa',
      'Proxy-State = 0xbbcc',
    ]);
    expect(r).toEqual({ code: 'Accounting-Response', proxyStates: ['0xaa', '0xbbcc'] });
  });

  it('drops a request signed with the wrong secret', async () => {
    const r = await radAcct(p.acctServer, 'not-the-secret', sessionPackets('sess-x', 'eve').start, 1);
    expect(r.code).toBe('timeout');
    expect(p.app.accounting!.server.counters.get('dropped_bad_authenticator')).toBeGreaterThanOrEqual(1);
  });
});

describe('accounting when the upstream does not answer', () => {
  let p: AcctProxy;
  beforeAll(async () => {
    const nobody = await freeUdpPort();
    p = await startAcctProxy(
      radiusDirectoryYaml([{ port: nobody, secret: 'nobody-secret', timeout: 0.2, retries: 0 }]),
    );
  });
  afterAll(() => p?.stop());

  it('sends no Accounting-Response, so the gateway retries or fails over', async () => {
    const r = await radAcct(p.acctServer, p.secret, sessionPackets('sess-0003', 'carol').start, 1);
    expect(r.code).toBe('timeout');
    expect(p.app.accounting!.server.counters.get('not_recorded')).toBeGreaterThanOrEqual(1);
    expect(p.app.accounting!.sessions.size).toBe(0);
  });
});

describe('accounting with no upstream: local append-only JSON lines', () => {
  let p: AcctProxy;
  beforeAll(async () => {
    p = await startAcctProxy(['directory:', '  type: local']);
  });
  afterAll(() => p?.stop());

  it('records each request on disk before answering, and tracks the session', async () => {
    const s = sessionPackets('sess-0004', 'dave');
    expect((await radAcct(p.acctServer, p.secret, s.start)).code).toBe('Accounting-Response');
    expect(p.app.accounting!.sessions.size).toBe(1);
    expect((await radAcct(p.acctServer, p.secret, s.interim)).code).toBe('Accounting-Response');
    expect((await radAcct(p.acctServer, p.secret, s.stop)).code).toBe('Accounting-Response');
    expect(p.app.accounting!.sessions.size).toBe(0);

    const dir = join(p.dataDir, 'accounting');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^accounting-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = readFileSync(join(dir, files[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual(['Start', 'Interim-Update', 'Stop']);
    expect(lines[2]).toMatchObject({
      client: 'vpn',
      session_id: 'sess-0004',
      user: 'dave',
      attributes: {
        'Acct-Session-Time': 120,
        'Acct-Terminate-Cause': 'User-Request',
        'Framed-IP-Address': '172.16.0.9',
        'NAS-IP-Address': '10.1.0.5',
      },
    });
    expect(p.app.accounting!.server.counters.get('recorded_locally')).toBe(3);
  });

  it('answers a retransmission (same Identifier and authenticator) from the duplicate cache, recorded once', async () => {
    const c = p.app.accounting!.server.counters;
    const [recorded, replayed] = [c.get('recorded_locally'), c.get('duplicate_replayed')];
    const packet = buildRequest({
      code: PacketCode.AccountingRequest,
      identifier: 7,
      secret: Buffer.from(p.secret),
      attributes: [
        rawTlv(Attr.AcctStatusType, Buffer.from([0, 0, 0, 1])),
        rawTlv(Attr.AcctSessionId, Buffer.from('sess-0005')),
        rawTlv(Attr.UserName, Buffer.from('erin')),
      ],
    });
    const udp = await UdpClient.open();
    try {
      const port = Number(p.acctServer.split(':')[1]);
      await udp.send(packet, port);
      await udp.waitFor(1);
      await udp.send(packet, port);
      const replies = await udp.waitFor(2);
      expect(replies).toHaveLength(2);
      expect(replies[1]!.equals(replies[0]!)).toBe(true);
      expect(replies[0]![0]).toBe(PacketCode.AccountingResponse);
    } finally {
      await udp.close();
    }
    expect(c.get('recorded_locally')).toBe(recorded + 1);
    expect(c.get('duplicate_replayed')).toBe(replayed + 1);
  });
});
