// Turns the first-boot seed (appliance.yaml, already parsed) into the files the appliance needs.
// Pure: no I/O, no clock, no randomness of its own (randomSecret and stringifyYaml are injected), so the
// unit tests in test/unit/appliance/ run it as is. apply-seed.mjs reads the seed and writes the files.
import { isIP } from 'node:net';

export const DEFAULT_ADMIN = 'mfaadmin';
export const DATA_DIR = '/var/lib/mfa-radius-proxy';
export const CONFIG_PATH = '/etc/mfa-radius-proxy/config.yaml';
// Reserved for the admin web UI (a later release); opened only to the management networks.
export const WEB_PORT = 8443;
export const DEFAULT_AUTH_PORT = 1812;

const RESERVED_USERS = new Set(['root', 'daemon', 'bin', 'sys', 'sync', 'nobody', 'sshd', 'mfa-radius-proxy']);
const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const USERNAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const IFNAME = /^[A-Za-z0-9_.*:-]{1,32}$/;

export class SeedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SeedError';
  }
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses "addr" or "addr/prefix"; returns { family: 4|6, text } or throws SeedError naming `where`. */
export function parseCidr(value, where) {
  if (typeof value !== 'string') throw new SeedError(`${where}: expected an IP address or CIDR, got ${typeof value}`);
  const [addr, prefix, extra] = value.trim().split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || extra !== undefined) throw new SeedError(`${where}: '${value}' is not an IP address or CIDR`);
  if (prefix !== undefined) {
    const bits = Number(prefix);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || bits > max) throw new SeedError(`${where}: bad prefix length in '${value}'`);
  }
  return { family, text: value.trim() };
}

function stringList(value, where) {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') throw new SeedError(`${where}: expected strings`);
  }
  return list.map((s) => s.trim());
}

function port(value, where) {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new SeedError(`${where}: bad port '${value}'`);
  return value;
}

function validateNetwork(raw) {
  if (raw === undefined || raw === null) return { mode: 'dhcp', match: null };
  if (!isObject(raw)) throw new SeedError('network: expected a mapping');
  const match = raw.interface === undefined ? null : String(raw.interface);
  if (match !== null && !IFNAME.test(match)) throw new SeedError(`network.interface: bad name '${match}'`);
  const mode = raw.mode ?? 'dhcp';
  if (mode === 'dhcp') return { mode, match };
  if (mode !== 'static') throw new SeedError(`network.mode: expected dhcp or static, got '${mode}'`);
  const address = parseCidr(raw.address, 'network.address');
  if (!address.text.includes('/')) throw new SeedError('network.address: needs a prefix length, e.g. 192.0.2.10/24');
  const gateway = raw.gateway === undefined ? null : parseCidr(raw.gateway, 'network.gateway').text;
  const dns = stringList(raw.dns, 'network.dns').map((d, i) => parseCidr(d, `network.dns[${i}]`).text);
  return { mode, match, address: address.text, gateway, dns };
}

function validateProxy(raw, warnings) {
  if (raw === undefined || raw === null) {
    warnings.push('no proxy: section: the RADIUS proxy stays stopped until /etc/mfa-radius-proxy/config.yaml exists');
    return null;
  }
  if (!isObject(raw)) throw new SeedError('proxy: expected a mapping (the proxy configuration)');
  if (raw.data_dir !== undefined && raw.data_dir !== DATA_DIR) {
    // The systemd sandbox (ProtectSystem=strict) lets the service write only to its StateDirectory.
    throw new SeedError(`proxy.data_dir: must be ${DATA_DIR} on the appliance`);
  }
  const listen = raw.listen ?? [{ address: '0.0.0.0', auth_port: DEFAULT_AUTH_PORT }];
  if (!Array.isArray(listen) || listen.length === 0) throw new SeedError('proxy.listen: expected a non-empty list');
  listen.forEach((l, i) => {
    if (!isObject(l)) throw new SeedError(`proxy.listen[${i}]: expected a mapping`);
    parseCidr(l.address, `proxy.listen[${i}].address`);
    port(l.auth_port ?? DEFAULT_AUTH_PORT, `proxy.listen[${i}].auth_port`);
  });
  const clients = raw.clients ?? [];
  if (!Array.isArray(clients)) throw new SeedError('proxy.clients: expected a list');
  if (clients.length === 0) warnings.push('proxy.clients is empty: no NAS can reach the proxy');
  const names = new Set();
  clients.forEach((c, i) => {
    if (!isObject(c)) throw new SeedError(`proxy.clients[${i}]: expected a mapping`);
    if (typeof c.name !== 'string' || c.name === '') throw new SeedError(`proxy.clients[${i}].name: required`);
    if (names.has(c.name)) throw new SeedError(`proxy.clients[${i}].name: duplicate '${c.name}'`);
    names.add(c.name);
    parseCidr(c.address, `proxy.clients[${i}].address`);
    if (c.secret !== undefined && c.secret !== 'generate' && typeof c.secret !== 'string') {
      throw new SeedError(`proxy.clients[${i}].secret: expected a string or 'generate'`);
    }
    if (typeof c.secret === 'string' && c.secret !== 'generate' && c.secret.length < 16) {
      warnings.push(`proxy.clients[${i}] (${c.name}): shared secret shorter than 16 characters`);
    }
  });
  return { ...raw, listen, data_dir: DATA_DIR, directory: raw.directory ?? { type: 'local' }, clients };
}

/** Checks the whole seed and fills defaults. Throws SeedError with the offending key on bad input. */
export function validateSeed(raw) {
  if (!isObject(raw)) throw new SeedError('the seed must be a YAML mapping');
  const warnings = [];
  const hostname = raw.hostname === undefined ? null : String(raw.hostname);
  if (hostname !== null && !HOSTNAME.test(hostname)) throw new SeedError(`hostname: '${hostname}' is not a valid host name`);

  const adminRaw = raw.admin ?? {};
  if (!isObject(adminRaw)) throw new SeedError('admin: expected a mapping');
  const user = adminRaw.user ?? DEFAULT_ADMIN;
  if (typeof user !== 'string' || !USERNAME.test(user) || RESERVED_USERS.has(user)) {
    throw new SeedError(`admin.user: '${user}' is not allowed`);
  }
  const keys = stringList(adminRaw.ssh_authorized_keys, 'admin.ssh_authorized_keys');
  keys.forEach((k, i) => {
    if (!SSH_KEY.test(k)) throw new SeedError(`admin.ssh_authorized_keys[${i}]: not an OpenSSH public key line`);
  });
  if (keys.length === 0) warnings.push('admin.ssh_authorized_keys is empty: nobody can log in (all accounts are locked)');

  const timeSyncWait = raw.time_sync_wait ?? 'auto';
  if (timeSyncWait !== 'auto' && !(Number.isInteger(timeSyncWait) && timeSyncWait >= 0 && timeSyncWait <= 3600)) {
    throw new SeedError("time_sync_wait: expected 'auto' or seconds (0-3600)");
  }
  const mgmt = (key) =>
    raw[key] === undefined ? null : stringList(raw[key], key).map((c, i) => parseCidr(c, `${key}[${i}]`).text);
  const sshAllowFrom = mgmt('ssh_allow_from') ?? ['0.0.0.0/0', '::/0'];
  const webAllowFrom = mgmt('web_allow_from') ?? sshAllowFrom;

  let syslog = null;
  if (raw.syslog !== undefined && raw.syslog !== null) {
    const host = isObject(raw.syslog) ? raw.syslog.host : undefined;
    if (typeof host !== 'string' || (isIP(host) === 0 && !HOSTNAME.test(host))) {
      throw new SeedError('syslog.host: required (host name or IP address)');
    }
    const protocol = raw.syslog.protocol ?? 'udp';
    if (protocol !== 'udp' && protocol !== 'tcp') throw new SeedError("syslog.protocol: expected 'udp' or 'tcp'");
    syslog = { host: raw.syslog.host, port: port(raw.syslog.port ?? 514, 'syslog.port'), protocol };
  }
  const ntpServers = stringList(raw.ntp_servers, 'ntp_servers');
  ntpServers.forEach((s, i) => {
    if (isIP(s) === 0 && !HOSTNAME.test(s)) throw new SeedError(`ntp_servers[${i}]: '${s}' is not a host name or IP`);
  });

  return {
    hostname,
    admin: { user, keys },
    network: validateNetwork(raw.network),
    ntpServers,
    timeSyncWait,
    sshAllowFrom,
    webAllowFrom,
    syslog,
    proxy: validateProxy(raw.proxy, warnings),
    warnings,
  };
}

/** Replaces missing or 'generate' client secrets with fresh random ones (generated on the box, never baked in). */
export function fillClientSecrets(proxy, randomSecret) {
  if (proxy === null) return { proxy, generated: [] };
  const generated = [];
  const clients = proxy.clients.map((c) => {
    if (c.secret !== undefined && c.secret !== 'generate') return c;
    generated.push(c.name);
    return { ...c, secret: randomSecret() };
  });
  return { proxy: { ...proxy, clients }, generated };
}

export function renderNetwork(network) {
  const match = network.match === null ? 'Type=ether' : `Name=${network.match}`;
  const lines = ['# Generated from the first-boot seed (mfa-apply-seed).', '[Match]', match, '', '[Network]'];
  if (network.mode === 'dhcp') {
    lines.push('DHCP=yes');
  } else {
    lines.push(`Address=${network.address}`);
    if (network.gateway) lines.push(`Gateway=${network.gateway}`);
    for (const d of network.dns) lines.push(`DNS=${d}`);
  }
  lines.push('LLDP=no', 'EmitLLDP=no');
  return `${lines.join('\n')}\n`;
}

function splitFamilies(cidrs, where) {
  const v4 = [];
  const v6 = [];
  cidrs.forEach((c, i) => (parseCidr(c, `${where}[${i}]`).family === 4 ? v4 : v6).push(c));
  return { v4, v6 };
}

function elementLine(set, elements) {
  return elements.length === 0 ? [] : [`add element inet appliance ${set} { ${elements.join(', ')} }`];
}

/** nftables elements for the static ruleset in /etc/nftables.conf (sets radius_*, ssh_*, web_*). */
export function renderFirewall(proxy, sshAllowFrom, webAllowFrom) {
  const ports = new Set();
  const clients = [];
  if (proxy !== null) {
    for (const l of proxy.listen) {
      ports.add(l.auth_port ?? DEFAULT_AUTH_PORT);
      if (l.acct_port !== undefined) ports.add(port(l.acct_port, 'proxy.listen[].acct_port'));
    }
    for (const c of proxy.clients) clients.push(c.address);
  }
  const radius = splitFamilies(clients, 'proxy.clients');
  const ssh = splitFamilies(sshAllowFrom, 'ssh_allow_from');
  const web = splitFamilies(webAllowFrom, 'web_allow_from');
  const lines = [
    '# Generated by mfa-apply-seed from the seed and /etc/mfa-radius-proxy/config.yaml: do not edit.',
    '# After changing the RADIUS clients in config.yaml run: mfa-apply-seed --firewall',
    ...elementLine('radius_ports', [...ports].sort((a, b) => a - b).map(String)),
    ...elementLine('radius_v4', radius.v4),
    ...elementLine('radius_v6', radius.v6),
    ...elementLine('ssh_v4', ssh.v4),
    ...elementLine('ssh_v6', ssh.v6),
    ...elementLine('web_v4', web.v4),
    ...elementLine('web_v6', web.v6),
  ];
  return `${lines.join('\n')}\n`;
}

/** Re-renders the firewall elements after an admin edited config.yaml (mfa-apply-seed --firewall). */
export function firewallFromConfig(proxyRaw, management) {
  const proxy = validateProxy(proxyRaw, []);
  const mgmt = isObject(management) ? management : {};
  const ssh = stringList(mgmt.ssh_allow_from ?? ['0.0.0.0/0', '::/0'], 'ssh_allow_from');
  const web = stringList(mgmt.web_allow_from ?? ssh, 'web_allow_from');
  return renderFirewall(proxy, ssh, web);
}

export function renderChrony(servers) {
  if (servers.length === 0) return null;
  return `${servers.map((s) => `server ${s} iburst`).join('\n')}\n`;
}

export function renderRsyslog(syslog) {
  if (syslog === null) return null;
  // Forward everything; journald keeps the local copy (no local files: fewer SD-card writes).
  return `*.* action(type="omfwd" target="${syslog.host}" port="${syslog.port}" protocol="${syslog.protocol}" action.resumeRetryCount="-1" queue.type="LinkedList" queue.size="10000")\n`;
}

export function renderHosts(hostname) {
  const short = hostname.split('.')[0];
  const names = hostname === short ? hostname : `${hostname} ${short}`;
  return `127.0.0.1\tlocalhost\n127.0.1.1\t${names}\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n`;
}

/**
 * Everything the seed produces. `files` are written by apply-seed.mjs (content null = remove the file);
 * `admin`, `timeSyncWait`, `generatedSecrets` and `warnings` drive its other actions and messages.
 */
export function renderAll(raw, { stringifyYaml, randomSecret }) {
  const seed = validateSeed(raw);
  const { proxy, generated } = fillClientSecrets(seed.proxy, randomSecret);
  const files = [
    { path: '/etc/systemd/network/10-appliance.network', mode: 0o644, content: renderNetwork(seed.network) },
    { path: '/etc/nftables.d/10-appliance.nft', mode: 0o600, content: renderFirewall(proxy, seed.sshAllowFrom, seed.webAllowFrom) },
    { path: '/etc/chrony/sources.d/appliance.sources', mode: 0o644, content: renderChrony(seed.ntpServers) },
    { path: '/etc/rsyslog.d/90-remote.conf', mode: 0o644, content: renderRsyslog(seed.syslog) },
    { path: '/etc/mfa-appliance/time-sync-wait', mode: 0o644, content: `${seed.timeSyncWait}\n` },
    {
      path: '/etc/mfa-appliance/management.json',
      mode: 0o644,
      content: `${JSON.stringify({ ssh_allow_from: seed.sshAllowFrom, web_allow_from: seed.webAllowFrom })}\n`,
    },
  ];
  if (seed.hostname !== null) {
    files.push({ path: '/etc/hostname', mode: 0o644, content: `${seed.hostname}\n` });
    files.push({ path: '/etc/hosts', mode: 0o644, content: renderHosts(seed.hostname) });
  }
  if (proxy !== null) {
    const header = '# Written by mfa-apply-seed from the first-boot seed. Edit freely; then: systemctl restart mfa-radius-proxy\n';
    files.push({ path: CONFIG_PATH, mode: 0o640, group: 'mfa-radius-proxy', content: header + stringifyYaml(proxy) });
  }
  return {
    files,
    hostname: seed.hostname,
    admin: seed.admin,
    timeSyncWait: seed.timeSyncWait,
    syslog: seed.syslog !== null,
    generatedSecrets: generated,
    warnings: seed.warnings,
  };
}
