import { deepFreeze } from '../shared/deep-freeze.js';
import type { ClientConfig, MfaMode } from './schema.js';

/**
 * Issue 12, item 4: `clients[].preset` names the gateway, and the preset fills in the client keys
 * that gateway needs. It is applied to the raw YAML before the schema, only to keys the client
 * leaves out, so an explicit key always wins and the rest of the code sees plain client keys.
 *
 * Where each value comes from is in the README ("Gateway recipes", the preset table):
 *   mfa_mode     what the gateway can do: RRAS with the Windows built-in client cannot answer an
 *                Access-Challenge (Microsoft's NPS extension VPN guide); a classic NetScaler
 *                secondary policy sends only the code; the others show the challenge as a prompt.
 *   nas_timeout  the timeout the recipe sets on the gateway (60 s: Microsoft's figure for RRAS
 *                with MFA, Fortinet's MFA guides; pam_radius 30 s inside OpenVPN's hand-window).
 *                The gateways' own defaults (3–10 s) are in the README table.
 * Message-Authenticator stays required for every preset: each of these gateways can send it in a
 * current release (README: the gateway table); an old one needs an explicit
 * `require_message_authenticator: false`.
 */
export interface GatewayPreset {
  readonly mfa_mode: MfaMode;
  readonly nas_timeout: number;
  /** OpenVPN auth-pam answers the PAM question that begins with the name its plugin line gives. */
  readonly challenge_prompt?: string;
  /** NPS forwarding for other gateways: it vouches for the NAS-IP-Address / NAS-Identifier. */
  readonly trusted_proxy?: boolean;
}

export const GATEWAY_PRESETS = deepFreeze({
  rras: { mfa_mode: 'concat', nas_timeout: 60 },
  'nps-proxy': { mfa_mode: 'challenge', nas_timeout: 60, trusted_proxy: true },
  netscaler: { mfa_mode: 'second_factor_only', nas_timeout: 60 },
  'netscaler-nfactor': { mfa_mode: 'challenge', nas_timeout: 60 },
  fortigate: { mfa_mode: 'challenge', nas_timeout: 60 },
  asa: { mfa_mode: 'challenge', nas_timeout: 60 },
  paloalto: { mfa_mode: 'challenge', nas_timeout: 60 },
  openvpn: { mfa_mode: 'challenge', nas_timeout: 30, challenge_prompt: 'Code' },
} as const satisfies Record<string, GatewayPreset>);

export type GatewayPresetName = keyof typeof GATEWAY_PRESETS;

export const gatewayPresetNames = Object.keys(GATEWAY_PRESETS) as [GatewayPresetName, ...GatewayPresetName[]];

export interface PresetIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isPresetName = (v: unknown): v is GatewayPresetName =>
  typeof v === 'string' && Object.hasOwn(GATEWAY_PRESETS, v);

/**
 * The raw config with each client's preset filled in under its explicit keys, or the issues
 * (an unknown name, at its key, with the valid names). The input is not modified.
 */
export function applyGatewayPresets(raw: unknown): { raw: unknown; issues: PresetIssue[] } {
  if (!isObject(raw) || !Array.isArray(raw.clients)) return { raw, issues: [] };
  const issues: PresetIssue[] = [];
  const clients = raw.clients.map((client: unknown, i) => {
    if (!isObject(client) || client.preset === undefined) return client;
    if (!isPresetName(client.preset)) {
      issues.push({
        path: ['clients', i, 'preset'],
        message: `unknown gateway preset ${JSON.stringify(client.preset)}: use one of ${gatewayPresetNames.join(', ')} (README, "Gateway recipes"), or leave preset out and set the keys yourself`,
      });
      return client;
    }
    return { ...GATEWAY_PRESETS[client.preset], ...client };
  });
  return { raw: { ...raw, clients }, issues };
}

/**
 * For `check-config`: the keys a client's preset covers, each with its effective value and
 * whether an explicit key overrode the preset's.
 */
export function presetSummary(
  client: Readonly<ClientConfig>,
): { key: string; value: unknown; overridden: boolean }[] {
  if (client.preset === undefined) return [];
  const preset: Readonly<Record<string, unknown>> = GATEWAY_PRESETS[client.preset];
  const values: Readonly<Record<string, unknown>> = client;
  return Object.keys(preset).map((key) => ({
    key,
    value: values[key],
    overridden: values[key] !== preset[key],
  }));
}
