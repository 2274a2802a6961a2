// Types for seed-render.mjs (plain JavaScript on the appliance; typed for the unit tests in test/unit/appliance/).
export declare const DEFAULT_ADMIN: string;
export declare const DATA_DIR: string;
export declare const CONFIG_PATH: string;
export declare const PORTAL_PORT: number;
export declare const ADMIN_PORT: number;
export declare const DEFAULT_AUTH_PORT: number;

export declare class SeedError extends Error {}

export interface Cidr {
  family: 4 | 6;
  text: string;
}
export type Network =
  | { mode: 'dhcp'; match: string | null }
  | { mode: 'static'; match: string | null; address: string; gateway: string | null; dns: string[] };

export interface ProxyClient {
  name: string;
  address: string;
  secret?: string;
  [key: string]: unknown;
}
export interface ProxyConfig {
  listen: { address: string; auth_port?: number; acct_port?: number }[];
  data_dir: string;
  directory: unknown;
  clients: ProxyClient[];
  http?: HttpSection;
  [key: string]: unknown;
}
export interface HttpSection {
  listen: { address: string; port?: number }[];
  admin_listen?: { address: string; port?: number }[];
  public_url?: string;
  cert_file?: string;
  key_file?: string;
  [key: string]: unknown;
}
export interface Seed {
  hostname: string | null;
  admin: { user: string; keys: string[] };
  network: Network;
  ntpServers: string[];
  timeSyncWait: 'auto' | number;
  sshAllowFrom: string[];
  webAllowFrom: string[];
  portalAllowFrom: string[];
  syslog: { host: string; port: number; protocol: 'udp' | 'tcp' } | null;
  proxy: ProxyConfig | null;
  warnings: string[];
}
export interface RenderedFile {
  path: string;
  mode: number;
  content: string | null;
  group?: string;
}
export interface Rendered {
  files: RenderedFile[];
  hostname: string | null;
  admin: { user: string; keys: string[] };
  timeSyncWait: 'auto' | number;
  syslog: boolean;
  generatedSecrets: string[];
  warnings: string[];
}

export declare function parseCidr(value: unknown, where: string): Cidr;
export declare function validateSeed(raw: unknown): Seed;
export declare function fillClientSecrets(
  proxy: ProxyConfig | null,
  randomSecret: () => string,
): { proxy: ProxyConfig | null; generated: string[] };
export declare function renderNetwork(network: Network): string;
export declare function httpPorts(
  http: unknown,
  where: string,
): { portal: number[]; admin: number[] };
export declare function renderFirewall(
  proxy: ProxyConfig | null,
  allow: { sshAllowFrom: string[]; webAllowFrom: string[]; portalAllowFrom: string[] },
  where?: string,
): string;
export declare function firewallFromConfig(proxyRaw: unknown, management: unknown): string;
export declare function renderChrony(servers: string[]): string | null;
export declare function renderRsyslog(syslog: Seed['syslog']): string | null;
export declare function renderHosts(hostname: string): string;
export declare function renderAll(
  raw: unknown,
  deps: { stringifyYaml: (value: unknown) => string; randomSecret: () => string },
): Rendered;
