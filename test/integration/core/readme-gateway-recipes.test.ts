import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { GATEWAY_PRESETS, type GatewayPresetName } from '../../../src/config/gateway-presets.js';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { oathCode } from '../../helpers/oathtool.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { section, yamlBlocks } from '../../unit/docs/markdown-parts.js';

/**
 * Issue 9, item 17: what "Verified here" means for the README's gateway recipes. Every `clients:`
 * entry of "## Gateway recipes" runs, as written except its address (loopback here), the exchange its
 * `mfa_mode` promises, with radclient as the gateway and oathtool as the app; a gateway behind a
 * trusted proxy is reached with the NAS-IP-Address or NAS-Identifier its entry names. Nothing here
 * runs a real gateway: this is the radclient-level half of each recipe. A recipe's `preset` (issue
 * 12) goes to the proxy as written; the exchange expected is the one of its effective keys.
 */

type Gateway = {
  name: string;
  nas_ip_address?: string | string[];
  nas_identifier?: string;
  mfa_mode?: string;
  challenge_prompt?: string;
  concat_delimiter?: string;
};
type Client = Gateway & {
  secret: string;
  gateways?: Gateway[];
  address: unknown;
  preset?: GatewayPresetName;
};

const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PASSWORD = 'recipe-password';
const DEFAULT_PROMPT = 'Enter the 6-digit code from your authenticator app';

const recipes = section(readFileSync('README.md', 'utf8'), '## Gateway recipes');
const clients: Client[] = yamlBlocks(recipes ?? '').flatMap(
  (b) => ((YAML.parse(b) as { clients?: Client[] }).clients ?? []) as Client[],
);

/** The client's keys as the proxy sees them: its preset's, under the keys it writes. */
function effective(c: Client): Client {
  return c.preset === undefined ? c : { ...GATEWAY_PRESETS[c.preset], ...c };
}

/** The client's YAML lines for the in-process proxy, which sets name, address and secret itself. */
function clientYaml(c: Client): string[] {
  const { name: _n, address: _a, secret: _s, ...rest } = c;
  return YAML.stringify(rest).trimEnd().split('\n');
}

/** The NAS attribute that picks a gateway behind a trusted proxy. */
function nasAttrs(g: Gateway): Record<string, string> {
  if (g.nas_ip_address !== undefined) {
    const first = Array.isArray(g.nas_ip_address) ? g.nas_ip_address[0]! : g.nas_ip_address;
    return { 'NAS-IP-Address': first.split('/')[0]! };
  }
  return g.nas_identifier !== undefined ? { 'NAS-Identifier': quote(g.nas_identifier) } : {};
}

describe('README gateway recipes, radclient as the gateway', () => {
  it('finds the recipes and their clients', () => {
    expect(recipes).toBeDefined();
    expect(clients.length).toBeGreaterThanOrEqual(6);
  });

  it('every preset has a recipe that uses it', () => {
    expect(new Set(clients.map((c) => c.preset))).toEqual(new Set(Object.keys(GATEWAY_PRESETS)));
  });

  describe.each(clients.map((c) => [c.name, c] as const))('recipe client %s', (_name, client) => {
    let p: InProcessProxy;
    beforeAll(async () => {
      p = await startInProcess({ clientYaml: clientYaml(client) });
      await p.addUser('alice', PASSWORD, { totpBase32: SEED });
    });
    afterAll(() => p?.stop());

    const login = (password: string, extra: Record<string, string>) =>
      radclient({
        server: p.server,
        secret: p.secret,
        attrs: { 'User-Name': quote('alice'), 'User-Password': quote(password), ...extra },
      });

    // The client itself, then each gateway behind it (its settings override the client's).
    const targets: Array<[string, Gateway | undefined]> = [
      ['the client itself', undefined],
      ...(client.gateways ?? []).map((g): [string, Gateway] => [`gateway ${g.name}`, g]),
    ];

    const eff = effective(client);
    it.each(targets)('%s: its mode logs alice in', async (_label, gw) => {
      p.clock.advance(60_000); // a fresh TOTP step: no code is replayed between cases
      const mode = gw?.mfa_mode ?? eff.mfa_mode ?? 'auto';
      const prompt = gw?.challenge_prompt ?? eff.challenge_prompt ?? DEFAULT_PROMPT;
      const delimiter = gw?.concat_delimiter ?? eff.concat_delimiter ?? '';
      const nas = gw ? nasAttrs(gw) : {};
      const code = oathCode(SEED, p.clock.now());
      if (mode === 'challenge') {
        const first = await login(PASSWORD, nas);
        expect(first.code).toBe('Access-Challenge');
        expect(first.attributes['Reply-Message']?.[0]).toBe(prompt);
        const second = await login(code, { ...nas, State: `0x${first.state!.toString('hex')}` });
        expect(second.code).toBe('Access-Accept');
      } else if (mode === 'second_factor_only') {
        expect((await login(code, nas)).code).toBe('Access-Accept');
        expect(p.audits().at(-1)).toMatchObject({ reason: 'second_factor_only_ok' });
      } else {
        // concat and auto: password and code in one field, no challenge.
        expect((await login(`${PASSWORD}${delimiter}${code}`, nas)).code).toBe('Access-Accept');
      }
      expect(p.audits().at(-1)).toMatchObject({
        result: 'accept',
        client: gw ? `vpn/${gw.name}` : 'vpn',
      });
    });
  });
});
