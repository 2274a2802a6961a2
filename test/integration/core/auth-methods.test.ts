import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { quote, radclient } from '../../helpers/radclient.js';

describe('issue 9 item 9: CHAP, MS-CHAP, MS-CHAPv2 and EAP are refused as unsupported, by name', () => {
  let p: InProcessProxy;
  beforeAll(async () => {
    p = await startInProcess({ clientYaml: ['mfa_mode: challenge'] });
    await p.addUser('alice', 'correct horse', { exempt: true });
  });
  afterAll(() => p.stop());

  const send = async (attrs: Record<string, string>) => {
    const before = p.audits().length;
    const reply = await radclient({ server: p.server, secret: p.secret, attrs });
    const audit = p.audits().slice(before);
    expect(audit).toHaveLength(1);
    return { code: reply.code, audit: audit[0]! };
  };

  const cases: [string, Record<string, string>, string][] = [
    // radclient computes CHAP-Password (RFC 2865 §5.3) from the cleartext it is given.
    ['CHAP', { 'CHAP-Password': quote('correct horse') }, 'chap'],
    // radclient computes MS-CHAP-Challenge and MS-CHAP-Response (RFC 2548 §2.3.2), as `radtest -t mschap`.
    ['MS-CHAP v1', { 'MS-CHAP-Password': quote('correct horse') }, 'mschap'],
    [
      'MS-CHAPv2',
      {
        'MS-CHAP-Challenge': '0x000102030405060708090a0b0c0d0e0f',
        'MS-CHAP2-Response':
          '0x01000f0e0d0c0b0a09080706050403020100000000000000000011223344556677889900aabbccddeeff0011223344556677',
      },
      'mschapv2',
    ],
    // EAP-Response/Identity; the helper adds the Message-Authenticator RFC 3579 §3.2 requires.
    ['EAP', { 'EAP-Message': '0x0201000a01616c696365' }, 'eap'],
  ];

  it.each(cases)(
    '%s → Access-Reject, reason unsupported_auth_method, auth_method named',
    async (_n, attrs, method) => {
      const r = await send({ 'User-Name': quote('alice'), ...attrs });
      expect(r.code).toBe('Access-Reject');
      expect(r.audit).toMatchObject({
        result: 'reject',
        reason: 'unsupported_auth_method',
        auth_method: method,
      });
    },
  );

  it('PAP still gets in, and the audit line says pap', async () => {
    const r = await send({ 'User-Name': quote('alice'), 'User-Password': quote('correct horse') });
    expect(r.code).toBe('Access-Accept');
    expect(r.audit).toMatchObject({ result: 'accept', auth_method: 'pap' });
  });

  it('no credentials at all stays missing_password (method none)', async () => {
    const r = await send({ 'User-Name': quote('alice') });
    expect(r.code).toBe('Access-Reject');
    expect(r.audit).toMatchObject({ reason: 'missing_password', auth_method: 'none' });
  });
});
