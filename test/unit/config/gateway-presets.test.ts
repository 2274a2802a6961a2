import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { presetLines } from '../../../src/cli/check-config-command.js';
import { GATEWAY_PRESETS, gatewayPresetNames } from '../../../src/config/gateway-presets.js';
import { parseConfig } from '../../../src/config/load.js';
import { codeSpans, section, tables } from '../docs/markdown-parts.js';

/** Issue 12, item 4: `clients[].preset` fills in the client keys its gateway needs. */

const FILE = join('/etc-not-used', 'presets.yaml');

function client(extra: string): string {
  return `clients:\n  - name: gw\n    address: 10.0.0.1\n    secret: "a-long-secret-of-20c"\n${extra
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;
}

const load = (extra: string) => parseConfig({ file: FILE, text: client(extra) }).config.clients[0]!;

function refused(text: string): { code: string; message: string } {
  try {
    parseConfig({ file: FILE, text });
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected the config to be refused');
}

describe('gateway presets', () => {
  it('the issue names exactly these presets', () => {
    expect(gatewayPresetNames).toEqual([
      'rras',
      'nps-proxy',
      'netscaler',
      'netscaler-nfactor',
      'fortigate',
      'asa',
      'paloalto',
      'openvpn',
    ]);
  });

  // The table as the README documents it: the effective client config of each preset.
  it.each([
    ['rras', { mfa_mode: 'concat', nas_timeout: 60, trusted_proxy: false }],
    ['nps-proxy', { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: true }],
    ['netscaler', { mfa_mode: 'second_factor_only', nas_timeout: 60, trusted_proxy: false }],
    ['netscaler-nfactor', { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: false }],
    ['fortigate', { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: false }],
    ['asa', { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: false }],
    ['paloalto', { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: false }],
    ['openvpn', { mfa_mode: 'challenge', nas_timeout: 30, trusted_proxy: false, challenge_prompt: 'Code' }],
  ])('preset %s: the effective client keys', (name, expected) => {
    const c = load(`preset: ${name}`);
    expect(c).toMatchObject({ preset: name, ...expected, require_message_authenticator: true });
    if (!('challenge_prompt' in expected)) expect(c.challenge_prompt).toBeUndefined();
    // Keys no preset touches keep the schema's defaults.
    expect(c).toMatchObject({ concat_delimiter: '', failmode: 'secure', auth_cache_sec: 0 });
  });

  it('without a preset, the schema defaults are unchanged', () => {
    const c = load('');
    expect(c.preset).toBeUndefined();
    expect(c).toMatchObject({ mfa_mode: 'auto', nas_timeout: 30, trusted_proxy: false });
  });

  it('an explicit key overrides the preset, the rest still comes from it', () => {
    const c = load('preset: fortigate\nnas_timeout: 25');
    expect(c).toMatchObject({ mfa_mode: 'challenge', nas_timeout: 25 });
    const r = load('preset: rras\nmfa_mode: auto\nconcat_delimiter: ","');
    expect(r).toMatchObject({ mfa_mode: 'auto', nas_timeout: 60, concat_delimiter: ',' });
    const n = load('preset: nps-proxy\ntrusted_proxy: false');
    expect(n).toMatchObject({ trusted_proxy: false, mfa_mode: 'challenge' });
    const o = load('preset: openvpn\nchallenge_prompt: "code from your app"');
    expect(o.challenge_prompt).toBe('code from your app');
  });

  it('an explicit key that is invalid is still refused (the preset does not hide it)', () => {
    const e = refused(client('preset: asa\nnas_timeout: 0'));
    expect(e.code).toBe('MFA_ERR_CONFIG_INVALID');
    expect(e.message).toContain(`${FILE}:6: clients[0].nas_timeout:`);
  });

  it('an unknown preset names the file and line, the key and the valid names', () => {
    const e = refused(client('preset: fortinet'));
    expect(e.code).toBe('MFA_ERR_CONFIG_INVALID');
    expect(e.message).toBe(
      `invalid configuration:\n${FILE}:5: clients[0].preset: unknown gateway preset "fortinet": use one of rras, nps-proxy, netscaler, netscaler-nfactor, fortigate, asa, paloalto, openvpn (README, "Gateway recipes"), or leave preset out and set the keys yourself`,
    );
  });

  it('a preset that is not text is refused the same way', () => {
    const e = refused(client('preset: 7'));
    expect(e.message).toContain('clients[0].preset: unknown gateway preset 7: use one of rras,');
  });

  it('the loaded config is frozen, preset values included', () => {
    const c = load('preset: fortigate');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(GATEWAY_PRESETS)).toBe(true);
    expect(Object.isFrozen(GATEWAY_PRESETS.fortigate)).toBe(true);
  });

  it('check-config lines: the effective values, and which an explicit key set', () => {
    const config = parseConfig({
      file: FILE,
      text: `${client('preset: fortigate\nnas_timeout: 25')}  - name: plain\n    address: 10.0.0.2\n    secret: "another-long-secret"\n`,
    }).config;
    expect(presetLines(config.clients)).toEqual([
      'client gw: preset fortigate: mfa_mode="challenge" nas_timeout=25 (explicit)',
    ]);
  });

  it('the README preset table says what each preset sets, no more and no less', () => {
    const recipes = section(readFileSync('README.md', 'utf8'), '## Gateway recipes') ?? '';
    const table = tables(recipes).find((t) => t.header.includes('`preset`'));
    expect(table).toBeDefined();
    const col = table!.header.indexOf('`preset`');
    const sets = table!.header.indexOf('What it sets');
    const documented = Object.fromEntries(
      table!.rows.map((r) => [
        codeSpans(r[col] ?? '')[0],
        // `mfa_mode: concat` spans, read as YAML: { mfa_mode: 'concat' }
        Object.assign({}, ...codeSpans(r[sets] ?? '').map((span) => YAML.parse(span) as object)),
      ]),
    );
    expect(documented).toEqual(GATEWAY_PRESETS);
  });
});
