import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_ENV, locateConfig, type SystemPaths } from '../../../src/config/config-location.js';
import { configWarnings } from '../../../src/config/config-warnings.js';
import { loadConfigFile, parseConfig } from '../../../src/config/load.js';
import { checkConfigPaths } from '../../../src/config/path-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'mfa-cfgunit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT = 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "a-long-secret-of-20c"\n';

function parseError(text: string, file = join(dir, 'c.yaml')): { code: string; message: string } {
  try {
    parseConfig({ file, text });
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected the config to be refused');
}

describe('unenrolled: enroll needs the portal (issue 9 item 6, issue 11)', () => {
  it.each([
    [`${CLIENT}mfa:\n  unenrolled: enroll\n`, 'mfa.unenrolled', ':6:'],
    [`${CLIENT}policy:\n  default:\n    unenrolled: enroll\n`, 'policy.default.unenrolled', ':7:'],
    [
      `${CLIENT}policy:\n  rules:\n    - name: staff\n      groups: [Staff]\n      unenrolled: enroll\n`,
      'policy.rules[0].unenrolled',
      ':9:',
    ],
  ])('%#: without http: names the file, line and key', (text, key, line) => {
    const e = parseError(text);
    expect(e.code).toBe('MFA_ERR_CONFIG_INVALID');
    expect(e.message).toContain(`${join(dir, 'c.yaml')}${line} ${key}:`);
    expect(e.message).toContain('needs the HTTPS listener: add http: with listen and public_url');
  });

  it('with http but no public_url: names http.public_url', () => {
    const e = parseError(`${CLIENT}http:\n  listen: [{ address: 127.0.0.1 }]\nmfa:\n  unenrolled: enroll\n`);
    expect(e.code).toBe('MFA_ERR_CONFIG_INVALID');
    expect(e.message).toContain('mfa.unenrolled:');
    expect(e.message).toContain('set http.public_url');
  });

  it('with portal.enabled false: says so', () => {
    const e = parseError(
      `${CLIENT}http:\n  listen: [{ address: 127.0.0.1 }]\n  public_url: https://mfa.example.com\nportal:\n  enabled: false\nmfa:\n  unenrolled: enroll\n`,
    );
    expect(e.message).toContain('portal.enabled is false');
  });

  it('with http.public_url: accepted, and policy.default follows mfa.unenrolled', async () => {
    const loaded = parseConfig({
      file: 'x.yaml',
      text: `${CLIENT}http:\n  listen: [{ address: 127.0.0.1 }]\n  public_url: https://mfa.example.com\nmfa:\n  unenrolled: enroll\n`,
    });
    expect(loaded.config.mfa.unenrolled).toBe('enroll');
    const { effectivePolicy } = await import('../../../src/policy/effective-policy.js');
    expect(effectivePolicy(loaded.config).default.unenrolled).toBe('enroll');
  });

  it('reject and allow stay valid', () => {
    expect(() =>
      parseConfig({
        file: 'x.yaml',
        text: `${CLIENT}mfa:\n  unenrolled: allow\npolicy:\n  default:\n    unenrolled: reject\n`,
      }),
    ).not.toThrow();
  });
});

describe('YAML errors', () => {
  it('do not end in a dangling colon', () => {
    const e = parseError('data_dir: [\n');
    expect(e.code).toBe('MFA_ERR_CONFIG_PARSE');
    expect(e.message).toMatch(/c\.yaml:\d+: not valid YAML: .+\(column \d+\)$/);
    expect(e.message).not.toMatch(/:\s*$/);
  });
});

describe('which config, which data_dir (issue 9, item 12)', () => {
  const etc = join(dir, 'etc');
  const paths: SystemPaths = {
    configFile: join(etc, 'mfa-radius-proxy', 'config.yaml'),
    etcDir: etc,
    dataDir: join(dir, 'var-lib'),
  };
  mkdirSync(join(etc, 'mfa-radius-proxy'), { recursive: true });

  it('--config, then the environment, then the system file when it exists, then the embedded default', () => {
    const env = { [CONFIG_ENV]: '/from/env.yaml' };
    expect(locateConfig('/flag.yaml', env, paths)).toEqual({ file: '/flag.yaml', origin: '--config' });
    expect(locateConfig(undefined, env, paths)).toEqual({ file: '/from/env.yaml', origin: CONFIG_ENV });
    expect(locateConfig(undefined, {}, paths)).toEqual({ file: undefined, origin: 'embedded default' });
    writeFileSync(paths.configFile, CLIENT);
    expect(locateConfig(undefined, {}, paths)).toEqual({ file: paths.configFile, origin: 'system default' });
    expect(locateConfig(undefined, { [CONFIG_ENV]: '' }, paths).origin).toBe('system default');
  });

  it('a config under /etc with data_dir left out keeps its data in /var/lib/mfa-radius-proxy', () => {
    const { config } = parseConfig({ file: paths.configFile, text: CLIENT }, { systemPaths: paths });
    expect(config.data_dir).toBe(paths.dataDir);
  });

  it('a relative data_dir in a config under /etc is an error that names the fix', () => {
    let e: { code?: string; message?: string } = {};
    try {
      parseConfig({ file: paths.configFile, text: `data_dir: ./data\n${CLIENT}` }, { systemPaths: paths });
    } catch (x) {
      e = x as typeof e;
    }
    expect(e.code).toBe('MFA_ERR_CONFIG_INVALID');
    expect(e.message).toContain(`${paths.configFile}: data_dir:`);
    expect(e.message).toContain(`data_dir: ${paths.dataDir}`);
  });

  it('an absolute data_dir is kept; outside /etc a relative one is relative to the file', () => {
    const abs = parseConfig(
      { file: paths.configFile, text: `data_dir: /srv/mfa\n${CLIENT}` },
      { systemPaths: paths },
    );
    expect(abs.config.data_dir).toBe('/srv/mfa');
    const other = join(dir, 'opt', 'config.yaml');
    const rel = parseConfig({ file: other, text: CLIENT }, { systemPaths: paths });
    expect(rel.config.data_dir).toBe(join(dir, 'opt', 'data'));
  });
});

describe('check-config checks the paths a config names (issue 9, item 13)', () => {
  const load = (text: string) => parseConfig({ file: join(dir, 'p.yaml'), text });

  it('a missing directory.ca_file', () => {
    const { config } = load(
      `data_dir: ${join(dir, 'd1')}\ndirectory:\n  type: ldap\n  servers: [ldap://127.0.0.1:1]\n  bind_dn: cn=x\n  bind_password: y\n  base_dn: dc=x\n  ca_file: ${join(dir, 'nope.pem')}\n${CLIENT}`,
    );
    expect(checkConfigPaths(config)).toEqual([
      expect.objectContaining({ key: 'directory.ca_file', path: join(dir, 'nope.pem') }),
    ]);
  });

  it('a ca_file without a certificate', () => {
    writeFileSync(join(dir, 'empty.pem'), 'not a pem\n');
    const { config } = load(
      `data_dir: ${join(dir, 'd1')}\ndirectory:\n  type: ldap\n  servers: [ldap://127.0.0.1:1]\n  bind_dn: cn=x\n  bind_password: y\n  base_dn: dc=x\n  ca_file: ${join(dir, 'empty.pem')}\n${CLIENT}`,
    );
    expect(checkConfigPaths(config)[0]?.problem).toContain('no PEM certificate');
  });

  it('a data_dir that cannot be created (a parent is a file)', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const { config } = load(`data_dir: ${join(dir, 'a-file', 'data')}\n${CLIENT}`);
    const [p] = checkConfigPaths(config);
    expect(p).toMatchObject({ key: 'data_dir' });
    expect(p?.problem).toContain(`${join(dir, 'a-file')} is not a directory`);
  });

  it('a key file readable by others, as Store.open would refuse it', () => {
    const d = join(dir, 'd2');
    mkdirSync(d);
    writeFileSync(join(d, 'secret.key'), Buffer.alloc(32));
    chmodSync(join(d, 'secret.key'), 0o644);
    const { config } = load(`data_dir: ${d}\n${CLIENT}`);
    expect(checkConfigPaths(config)[0]?.problem).toContain('chmod 600');
    chmodSync(join(d, 'secret.key'), 0o600);
    expect(checkConfigPaths(config)).toEqual([]);
  });

  it('an accounting log path that is not a directory', () => {
    const d = join(dir, 'd3');
    mkdirSync(d);
    writeFileSync(join(d, 'accounting'), '');
    const { config } = load(`data_dir: ${d}\n${CLIENT}`);
    expect(checkConfigPaths(config)).toEqual([
      expect.objectContaining({ key: 'data_dir', path: join(d, 'accounting') }),
    ]);
  });

  it('a data_dir that does not exist yet but can be created is fine', () => {
    const { config } = load(`data_dir: ${join(dir, 'new', 'deeper')}\n${CLIENT}`);
    expect(checkConfigPaths(config)).toEqual([]);
  });
});

describe('warnings (issue 9, item 14)', () => {
  it('a client secret under 16 characters and a config readable by others, by file and key, never the secret', () => {
    const f = join(dir, 'w.yaml');
    writeFileSync(f, 'clients:\n  - name: vpn\n    address: 10.0.0.0/8\n    secret: "short-12"\n');
    chmodSync(f, 0o644);
    const w = configWarnings(loadConfigFile(f));
    expect(w).toHaveLength(2);
    expect(w[0]).toContain(`${f}: clients[0].secret:`);
    expect(w[1]).toContain(`${f}: the config file is readable by others (mode 0644)`);
    expect(w.join('\n')).not.toContain('short-12');
    chmodSync(f, 0o600);
    expect(configWarnings(loadConfigFile(f))).toHaveLength(1);
    // The Debian package's own mode (root:mfa-radius-proxy 0640): readable by the service's group only.
    chmodSync(f, 0o640);
    expect(configWarnings(loadConfigFile(f))).toHaveLength(1);
  });

  it('a 16-character secret in a private file: no warning', () => {
    const f = join(dir, 'w2.yaml');
    writeFileSync(f, CLIENT, { mode: 0o600 });
    expect(configWarnings(loadConfigFile(f))).toEqual([]);
  });

  it('a store left where earlier versions put it (next to a config under /etc) is pointed out', () => {
    const etc = join(dir, 'etc2');
    const paths: SystemPaths = {
      configFile: join(etc, 'mfa-radius-proxy', 'config.yaml'),
      etcDir: etc,
      dataDir: join(dir, 'var-lib2'),
    };
    mkdirSync(join(etc, 'mfa-radius-proxy', 'data'), { recursive: true });
    writeFileSync(paths.configFile, CLIENT, { mode: 0o600 });
    const loaded = loadConfigFile(paths.configFile, { systemPaths: paths });
    expect(configWarnings(loaded, undefined, paths)).toEqual([]);
    writeFileSync(join(etc, 'mfa-radius-proxy', 'data', 'mfa.db'), '');
    const [w] = configWarnings(loaded, undefined, paths);
    expect(w).toContain(`${paths.configFile}: data_dir: left out, so the data is in ${paths.dataDir}`);
    expect(w).toContain(`set data_dir: ${join(etc, 'mfa-radius-proxy', 'data')}`);
  });
});
