import { base32Decode } from '../../../src/factors/totp.js';
import {
  type FreeRadiusHandle,
  loopbackClient,
  startFreeRadius,
  upstreamSite,
} from '../../helpers/freeradius.js';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';

// 20-byte seeds, as `token add` generates them.
export const ALICE_SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const CHRIS_SEED = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

/** The upstream's users: one reply attribute set per user, as an NPS network policy would give. */
export const USERS = `alice Cleartext-Password := "alice-pw"
  Filter-Id = "vpn-users", Class = 0x616c696365, Cisco-AVPair = "shell:priv-lvl=15", Tunnel-Type:1 = VLAN, Tunnel-Medium-Type:1 = IEEE-802, Tunnel-Private-Group-Id:1 = "42", Tunnel-Password:1 = "tunnel-secret-value", Reply-Message = "Welcome"
chris Cleartext-Password := "chris-pw", Tmp-String-0 := "challenge"
  Filter-Id = "chris-filter"
carol Cleartext-Password := "carol-pw"
  Filter-Id = "exempt-filter"
`;
registerSensitive('alice-pw', 'chris-pw', 'carol-pw', 'tunnel-secret-value');

/**
 * An upstream FreeRADIUS on a free loopback port with its own secret (or the given ones: the same
 * server restarted with another configuration). `sites`/`clients` replace the test site and client.
 */
export async function startUpstream(
  opts: {
    messageAuthenticator?: boolean;
    users?: string;
    port?: number;
    secret?: string;
    sites?: (port: number) => string;
    clients?: (secret: string) => string;
  } = {},
): Promise<{ fr: FreeRadiusHandle; port: number; secret: string }> {
  const port = opts.port ?? (await freeUdpPort());
  const secret = opts.secret ?? `up-${Math.random().toString(36).slice(2)}`;
  registerSensitive(secret);
  const fr = await startFreeRadius({
    sites: opts.sites
      ? opts.sites(port)
      : upstreamSite('upstream', port, { messageAuthenticator: opts.messageAuthenticator }),
    clients: opts.clients ? opts.clients(secret) : loopbackClient('proxy', secret),
    users: opts.users ?? USERS,
    logAuth: true,
  });
  return { fr, port, secret };
}

/** YAML lines for `directory: { type: radius }` over the given servers. */
export function radiusDirectoryYaml(
  servers: Array<{
    port: number;
    secret: string;
    acctPort?: number;
    timeout?: number;
    retries?: number;
    requireMessageAuthenticator?: boolean | 'auto';
  }>,
  extra: string[] = [],
): string[] {
  return [
    'directory:',
    '  type: radius',
    '  servers:',
    ...servers.flatMap((s) => [
      '    - address: 127.0.0.1',
      `      auth_port: ${s.port}`,
      ...(s.acctPort !== undefined ? [`      acct_port: ${s.acctPort}`] : []),
      `      secret: ${JSON.stringify(s.secret)}`,
      `      timeout: ${s.timeout ?? 1}`,
      `      retries: ${s.retries ?? 1}`,
      ...(s.requireMessageAuthenticator !== undefined
        ? [`      require_message_authenticator: ${s.requireMessageAuthenticator}`]
        : []),
    ]),
    ...extra.map((l) => `  ${l}`),
  ];
}

/** Enrols a TOTP seed for an identity in the proxy's store (no local password: the upstream checks it). */
export function enrol(p: InProcessProxy, identity: string, base32: string): void {
  registerSensitive(base32);
  const seed = base32Decode(base32);
  if (!seed.ok) throw new Error('bad base32');
  p.app.store.tokens.add(identity, { secret: seed.value });
}

export async function startProxyFor(
  servers: Parameters<typeof radiusDirectoryYaml>[0],
  opts: { clientYaml?: string[]; directoryExtra?: string[]; extraYaml?: string[] } = {},
): Promise<InProcessProxy> {
  return startInProcess({
    clientYaml: opts.clientYaml ?? ['mfa_mode: challenge'],
    extraYaml: [...radiusDirectoryYaml(servers, opts.directoryExtra), ...(opts.extraYaml ?? [])],
  });
}

export function login(p: InProcessProxy, user: string, password: string, extra: Record<string, string> = {}) {
  return radclient({
    server: p.server,
    secret: p.secret,
    attrs: { 'User-Name': quote(user), 'User-Password': quote(password), ...extra },
  });
}

/** How many times the upstream logged a successful login for `user` (needs logAuth). */
export function upstreamLogins(fr: FreeRadiusHandle, user: string): number {
  return fr
    .output()
    .split('\n')
    .filter((l) => l.includes(`Login OK: [${user}`)).length;
}

export const hexState = (b: Buffer): string => `0x${b.toString('hex')}`;
