import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPassword } from '../../../src/pipeline/check-password.js';
import { LdapDirectory } from '../../../src/directory/ldap-directory.js';
import type { PrimaryRequest } from '../../../src/pipeline/types.js';
import { type SlapdHarness, slapdDirectoryConfig, startSlapd } from '../../helpers/slapd.js';

/** slapd with `security tls=1`: any bind or search without TLS is refused (confidentialityRequired). */
let h: SlapdHarness;
const open: LdapDirectory[] = [];

function directory(over: Parameters<typeof slapdDirectoryConfig>[1]): LdapDirectory {
  const d = new LdapDirectory(slapdDirectoryConfig(h, over));
  open.push(d);
  return d;
}

const req = (userName: string, password: string): PrimaryRequest => ({
  userName,
  prepare: checkPassword(Buffer.from(password)),
  correlationId: 'tls',
  deadline: Date.now() + 10_000,
});

beforeAll(async () => {
  h = await startSlapd({ requireTls: true });
});
afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await h?.stop();
});

describe('TLS to the directory', () => {
  it('plain ldap:// is refused by a TLS-only server: directory_unavailable, not bad_password', async () => {
    expect(await directory({}).authenticate(req('alice', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'directory_unavailable',
    });
  });

  it('StartTLS with the test CA: login works, so the binds went over TLS', async () => {
    const d = directory({ start_tls: true, ca_file: h.caFile });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({
      kind: 'ok',
      identity: { id: 'alice' },
    });
    expect(await d.authenticate(req('alice', 'bad'))).toMatchObject({ kind: 'fail', reason: 'bad_password' });
  });

  it('LDAPS with the test CA', async () => {
    const d = directory({ servers: [h.ldapsUrl], ca_file: h.caFile });
    expect(await d.authenticate(req('dave', 'dave-pw'))).toMatchObject({
      kind: 'ok',
      identity: { id: 'dave', groups: ['helpdesk', 'vpn-admins', 'vpn-users'] },
    });
  });

  it.each([
    ['LDAPS', true],
    ['StartTLS', false],
  ])('%s without the CA fails certificate verification', async (_name, ldaps) => {
    const d = directory(ldaps ? { servers: [h.ldapsUrl] } : { start_tls: true });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'directory_unavailable',
    });
    const trace = await d.explainUser('alice');
    expect(trace.outcome).toBe('directory_unavailable');
    expect(trace.steps.at(-1)?.detail).toMatch(/certificate/i);
  });

  it('a certificate for another name is refused even with the right CA', async () => {
    const d = directory({ servers: [h.ldapsUrl], ca_file: h.caFile, tls_server_name: 'ldap.other.example' });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toEqual({
      kind: 'fail',
      reason: 'directory_unavailable',
    });
    expect((await d.explainUser('alice')).steps.at(-1)?.detail).toMatch(/ldap\.other\.example|altnames/i);
  });

  it('the certificate name can be given explicitly (tls_server_name = localhost)', async () => {
    const d = directory({ servers: [h.ldapsUrl], ca_file: h.caFile, tls_server_name: 'localhost' });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({ kind: 'ok' });
  });

  it('verify_certificate: false accepts an unknown CA (lab only)', async () => {
    const d = directory({ servers: [h.ldapsUrl], verify_certificate: false });
    expect(await d.authenticate(req('alice', 'alice-pw'))).toMatchObject({ kind: 'ok' });
  });

  it('StartTLS without reuse: each login upgrades its own new connection', async () => {
    const d = directory({ start_tls: true, ca_file: h.caFile, reuse_connections: false });
    expect(await d.authenticate(req('carol', 'carol-pw'))).toMatchObject({
      kind: 'ok',
      identity: { groups: ['vpn-admins', 'vpn-users'] },
    });
  });
});
