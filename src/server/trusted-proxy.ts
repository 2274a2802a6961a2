import type { ClientConfig } from '../config/schema.js';
import { Attr } from '../radius/codes.js';
import { type Frame, firstAttribute } from '../radius/frame.js';
import { formatIpv6 } from '../radius/ip.js';
import { ClientTable, type RadiusClient } from './client-table.js';

/** Who a request is for: the source client, or the gateway behind a trusted proxy. */
export interface ClientView {
  /** The name policy and audit use: `proxy/gateway` behind a trusted proxy, else the client's name. */
  readonly name: string;
  readonly config: Readonly<ClientConfig>;
  /** The trusted proxy the request came through, when a gateway behind it was identified. */
  readonly via?: string;
}

interface Gateways {
  readonly byAddress: ClientTable | undefined;
  readonly byIdentifier: ReadonlyMap<string, Readonly<ClientConfig>>;
}

const compiled = new WeakMap<RadiusClient, Gateways>();

function compile(client: RadiusClient): Gateways {
  let g = compiled.get(client);
  if (g) return g;
  const withAddress: ClientConfig[] = [];
  const byIdentifier = new Map<string, Readonly<ClientConfig>>();
  for (const gw of client.config.gateways) {
    const { nas_ip_address, nas_identifier, name, ...overrides } = gw;
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    // The gateway inherits the proxy's settings (the secret stays the proxy's: it signs the packets).
    const config: ClientConfig = {
      ...client.config,
      ...defined,
      name: `${client.name}/${name}`,
      gateways: [],
    };
    if (nas_ip_address !== undefined) withAddress.push({ ...config, address: nas_ip_address });
    if (nas_identifier !== undefined) byIdentifier.set(nas_identifier.toLowerCase(), config);
  }
  g = { byAddress: withAddress.length ? new ClientTable(withAddress) : undefined, byIdentifier };
  compiled.set(client, g);
  return g;
}

function nasAddress(frame: Frame): string | undefined {
  const v4 = firstAttribute(frame, Attr.NasIpAddress);
  if (v4?.length === 4) return `${v4[0]}.${v4[1]}.${v4[2]}.${v4[3]}`;
  const v6 = firstAttribute(frame, Attr.NasIpv6Address);
  return v6?.length === 16 ? formatIpv6(v6) : undefined;
}

/**
 * Issue 5: behind a trusted RADIUS proxy (NPS forwarding from a connection request policy) the source
 * address is the proxy's, so the original gateway is identified by the NAS-IP-Address (or
 * NAS-IPv6-Address) the proxy forwards, then by NAS-Identifier. Only for clients marked
 * `trusted_proxy`: any other client could claim any NAS-IP-Address. A request that matches no
 * configured gateway keeps the proxy's own settings.
 */
export function clientView(client: RadiusClient, frame: Frame): ClientView {
  if (!client.config.trusted_proxy || client.config.gateways.length === 0) {
    return { name: client.name, config: client.config };
  }
  const g = compile(client);
  const address = g.byAddress ? nasAddress(frame) : undefined;
  const byIp = address !== undefined ? g.byAddress?.match(address) : undefined;
  if (byIp) return { name: byIp.name, config: byIp.config, via: client.name };
  const id = firstAttribute(frame, Attr.NasIdentifier);
  const byId = id ? g.byIdentifier.get(id.toString('utf8').toLowerCase()) : undefined;
  if (byId) return { name: byId.name, config: byId, via: client.name };
  return { name: client.name, config: client.config };
}
