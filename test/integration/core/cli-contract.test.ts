import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oathCode } from '../../helpers/oathtool.js';
import { type ProxyHandle, runCli, startProxy } from '../../helpers/proxy.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';

const SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('check-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-cfg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a valid file', async () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret"\n');
    const r = await runCli(['check-config', '--config', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK');
  });

  it.each([
    [
      'clients:\n  - name: vpn\n    address: 10.0.0.0/33\n    secret: "a-long-secret"\n',
      'clients[0].address',
      ':3:',
    ],
    [
      'clients:\n  - name: vpn\n    address: 10.0.0.1\n    secret: "a-long-secret"\n    mfa_mode: push\n',
      'clients[0].mfa_mode',
      ':5:',
    ],
    ['clients:\n  - name: vpn\n    address: 10.0.0.1\n    secret: 12345678\n', 'clients[0].secret', 'quotes'],
    [
      'listen:\n  - address: 127.0.0.1\n    auth_prot: 1812\nclients: []\n',
      'listen[0].auth_prot',
      'unknown key',
    ],
    ['data_dir: [\n', 'not valid YAML', ':'],
  ])('names the file, the key and the fix: %#', async (text, key, hint) => {
    const f = join(dir, `bad-${Math.random()}.yaml`);
    writeFileSync(f, text);
    const r = await runCli(['check-config', '--config', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toContain(key);
    expect(r.stderr).toContain(hint);
  });

  it('a missing file is a clear error', async () => {
    const r = await runCli(['check-config', '--config', join(dir, 'nope.yaml')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nope\.yaml: cannot read the config file: the file does not exist/);
  });
});

describe('serve + user/token commands + radclient, as an admin does it', () => {
  let p: ProxyHandle;
  beforeAll(async () => {
    p = await startProxy({ clientExtra: 'mfa_mode: concat' });
  });
  afterAll(() => p.stop());

  it('user add --password-stdin, token add --secret, then a concat login through radclient', async () => {
    registerSensitive('hunter2-long', SEED);
    expect((await p.cli(['user', 'add', 'Alice', '--password-stdin'], 'hunter2-long\n')).code).toBe(0);
    const t = await p.cli(['token', 'add', 'alice', '--secret', SEED]);
    expect(t.code).toBe(0);
    expect(t.stdout).not.toContain(SEED); // a given secret is not echoed back
    const r = await radclient({
      server: p.server,
      secret: p.secret,
      attrs: { 'User-Name': quote('alice'), 'User-Password': quote(`hunter2-long${oathCode(SEED)}`) },
    });
    expect(r.code).toBe('Access-Accept');
    const audit = await p.waitFor((e) => e.event === 'auth' && e.result === 'accept');
    expect(audit).toMatchObject({ client: 'vpn', user: 'alice', reason: 'mfa_ok', mode: 'concat' });
  });

  it('token add without --secret prints an otpauth:// URI (the QR code only on a terminal)', async () => {
    await p.cli(['user', 'add', 'bob', '--password-stdin'], 'bob-password-1\n');
    registerSensitive('bob-password-1');
    const t = await p.cli(['token', 'add', 'bob', '--label', 'phone']);
    expect(t.code).toBe(0);
    const uri = /otpauth:\/\/totp\/[^\s]+/.exec(t.stdout)?.[0];
    expect(uri).toBeDefined();
    const secret = new URL(uri!).searchParams.get('secret')!;
    registerSensitive(secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes
    expect(new URL(uri!).searchParams.get('issuer')).toBe('mfa-radius-proxy');
    // Piped (as here): no half-block art or colours, a note instead (test/integration/cli/ covers a TTY).
    expect(t.stdout).not.toMatch(/[█▀▄]/);
    expect(t.stdout).not.toContain('\x1b[');
    expect(t.stderr).toContain('no QR code was drawn');
    const list = await p.cli(['token', 'list', 'bob', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ identity: 'bob', label: 'phone' })]);
    expect(list.stdout).not.toContain(secret);
  });

  it('user list and user remove', async () => {
    const list = await p.cli(['user', 'list', '--json']);
    const names = (JSON.parse(list.stdout) as Array<{ name: string }>).map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['Alice', 'bob']));
    expect((await p.cli(['user', 'remove', 'BOB'])).code).toBe(0);
    const again = await p.cli(['user', 'remove', 'bob']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/^MFA_ERR_USER_NOT_FOUND: /m);
  });

  it('lockouts are visible in the CLI', async () => {
    for (let i = 0; i < 5; i++) {
      await radclient({
        server: p.server,
        secret: p.secret,
        attrs: { 'User-Name': quote('alice'), 'User-Password': quote(`nope${i}123456`) },
      });
    }
    const out = await p.cli(['lockouts']);
    expect(out.stdout).toMatch(/^alice\tlocked until /m);
    expect((await p.cli(['token', 'reset', 'alice'])).code).toBe(0);
    expect((await p.cli(['lockouts'])).stdout).toContain('no user is locked out');
  });

  it('SIGHUP reloads clients and secrets; an invalid file keeps the old config', async () => {
    const original = readFileSync(p.configFile, 'utf8');
    const newSecret = 'rotated-secret-123';
    registerSensitive(newSecret);
    writeFileSync(p.configFile, original.replace(JSON.stringify(p.secret), JSON.stringify(newSecret)));
    p.child.kill('SIGHUP');
    await p.waitFor((e) => e.event === 'reloaded');
    const attrs = { 'User-Name': quote('alice'), 'User-Password': quote('x') };
    expect((await radclient({ server: p.server, secret: newSecret, attrs })).code).toBe('Access-Reject');
    expect(
      (await radclient({ server: p.server, secret: p.secret, attrs, timeoutSec: 0.5, retries: 0 })).code,
    ).toBe('timeout');

    writeFileSync(p.configFile, 'clients: nonsense\n');
    p.child.kill('SIGHUP');
    const failed = await p.waitFor((e) => e.event === 'reload_failed');
    expect(String(failed.error)).toContain('clients');
    expect((await radclient({ server: p.server, secret: newSecret, attrs })).code).toBe('Access-Reject');
    writeFileSync(p.configFile, original);
  });

  it('stops cleanly on SIGTERM', async () => {
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.entries.some((e) => e.event === 'stopped')).toBe(true);
  });
});
