import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linkTokenHash } from '../../../src/services/enrol-link-service.js';
import { Store } from '../../../src/store/store.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { cli, STACK } from './cli-run.js';

/** Issue 11 (stderr starts with the `config: FILE` line every command prints): `enrol-link NAME [--ttl SEC]` through the built CLI, under the local directory. */
const dir = mkdtempSync(join(tmpdir(), 'mfa-enrollink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT = 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n';
const HTTP =
  'http:\n  listen: [{ address: 127.0.0.1, port: 8443 }]\n  public_url: https://mfa.example.com:8443\n';
registerSensitive('erin-pw-123');

let n = 0;
function config(body: string): { file: string; data: string } {
  const sub = join(dir, `c${++n}`);
  mkdirSync(sub);
  const file = join(sub, 'config.yaml');
  const data = join(sub, 'data');
  writeFileSync(file, `data_dir: ${data}\n${CLIENT}${body}`);
  chmodSync(file, 0o600);
  return { file, data };
}

describe('enrol-link', () => {
  it('prints a one-time link under public_url; the store keeps only its hash and the expiry', async () => {
    const { file, data } = config(HTTP);
    await cli(['user', 'add', 'Erin', '--password-stdin', '--config', file], { stdin: 'erin-pw-123\n' });
    const r = await cli(['enrol-link', 'ERIN', '--ttl', '600', '--config', file]);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(/^https:\/\/mfa\.example\.com:8443\/portal\/link\?t=[A-Za-z0-9_-]{43}$/);
    const token = new URL(url).searchParams.get('t')!;
    registerSensitive(token);
    expect(r.stderr).toMatch(
      /^(?:config: .*\n)?one-time enrolment link for erin, valid until \d{4}-\d\d-\d\dT/,
    );
    const store = Store.open(data);
    try {
      const [row] = store.enrolLinks.list();
      expect(row).toMatchObject({ identityId: 'erin', usedAt: null, revokedAt: null });
      expect(row!.expiresAt - row!.createdAt).toBe(600_000);
      expect(store.enrolLinks.byHash(linkTokenHash(token))?.id).toBe(row!.id);
    } finally {
      store.close();
    }
  });

  it('refuses without public_url, for an unknown user and a bad --ttl, without a stack trace', async () => {
    const bare = config('');
    const none = await cli(['enrol-link', 'erin', '--config', bare.file]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(
      /^(?:config: .*\n)?MFA_ERR_PORTAL_NOT_CONFIGURED: .*http\.public_url is not set/,
    );
    const { file } = config(HTTP);
    const ghost = await cli(['enrol-link', 'ghost', '--config', file]);
    expect(ghost.stderr).toMatch(/^(?:config: .*\n)?MFA_ERR_USER_NOT_FOUND: /);
    const bad = await cli(['enrol-link', 'ghost', '--ttl', '10m', '--config', file]);
    expect(bad.stderr).toMatch(/^(?:config: .*\n)?MFA_ERR_USAGE: --ttl expects whole seconds/);
    const short = await cli(['enrol-link', 'ghost', '--ttl', '5', '--config', file]);
    expect(short.stderr).toMatch(/^(?:config: .*\n)?MFA_ERR_USAGE: the link's lifetime must be/);
    for (const x of [none, ghost, bad, short]) expect(x.stderr).not.toMatch(STACK);
  });
});
