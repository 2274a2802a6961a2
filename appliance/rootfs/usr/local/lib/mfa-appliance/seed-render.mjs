// Turns the first-boot seed (appliance.yaml, already parsed) into the files the appliance needs.
// Pure: no I/O, no clock, no randomness of its own (randomSecret and stringifyYaml are injected), so the
// unit tests in test/unit/appliance/ run it as is. apply-seed.mjs reads the seed and writes the files.
import { isIP } from 'node:net';

export const DEFAULT_ADMIN = 'mfaadmin';
export const DATA_DIR = '/var/lib/mfa-radius-proxy';
export const CONFIG_PATH = '/etc/mfa-radius-proxy/config.yaml';
// The proxy's HTTPS surfaces (README "The HTTPS listener"): the public one (self-service portal, webhooks) on
// http.listen, default port 8443; the admin one (admin pages, /metrics, /healthz, /readyz) on http.admin_listen,
// default port 8444. The firewall opens the ports config.yaml names, so these are only the defaults.
export const PORTAL_PORT = 8443;
export const ADMIN_PORT = 8444;
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

/**
 * The ports of config.yaml's `http:` section (`where` names it in errors: proxy.http in the seed, http in
 * config.yaml). The proxy checks the section in full at start; this reads only what the firewall needs, and
 * refuses a port shared by both surfaces: nftables matches ports, not addresses, so such a port would open
 * the admin pages to everyone allowed on the portal.
 */
export function httpPorts(http, where) {
  if (http === undefined) return { portal: [], admin: [] };
  if (!isObject(http)) throw new SeedError(`${where}: expected a mapping (the HTTPS listener)`);
  const entries = (key, def, required) => {
    const list = http[key];
    if (list === undefined && !required) return [];
    if (!Array.isArray(list) || list.length === 0) {
      throw new SeedError(`${where}.${key}: expected a non-empty list, e.g. [{ address: 0.0.0.0, port: ${def} }]`);
    }
    return list.map((l, i) => {
      if (!isObject(l)) throw new SeedError(`${where}.${key}[${i}]: expected a mapping`);
      if (typeof l.address !== 'string' || isIP(l.address) === 0) {
        throw new SeedError(`${where}.${key}[${i}].address: expected an IPv4 or IPv6 address, got '${l.address}'`);
      }
      return port(l.port ?? def, `${where}.${key}[${i}].port`);
    });
  };
  const portal = [...new Set(entries('listen', PORTAL_PORT, true))];
  const adminAll = entries('admin_listen', ADMIN_PORT, false);
  adminAll.forEach((p, i) => {
    if (portal.includes(p)) {
      throw new SeedError(
        `${where}.admin_listen[${i}].port: ${p} is also a port of ${where}.listen; the firewall opens ports, not addresses, so give the admin surface a port of its own (e.g. ${ADMIN_PORT})`,
      );
    }
  });
  return { portal, admin: [...new Set(adminAll)] };
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
  httpPorts(raw.http, 'proxy.http');
  return { ...raw, listen, data_dir: DATA_DIR, directory: raw.directory ?? { type: 'local' }, clients };
}

/** `https://host[:port][/prefix]`, as the proxy's http.public_url accepts it (no query, fragment or credentials). */
function publicUrl(value, where) {
  let u;
  try {
    u = typeof value === 'string' ? new URL(value) : null;
  } catch {
    u = null;
  }
  if (u === null || u.protocol !== 'https:' || u.hostname === '' || u.username || u.password || u.search || u.hash) {
    throw new SeedError(
      `${where}: expected the https:// URL users' browsers reach the portal at, e.g. https://mfa.example.org:${PORTAL_PORT} (no query), got '${value}'`,
    );
  }
  return value.replace(/\/+$/, '');
}

function absoluteFile(value, where) {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\r\n]/.test(value)) {
    throw new SeedError(`${where}: expected an absolute path, e.g. /etc/mfa-radius-proxy/https.pem`);
  }
  return value;
}

/**
 * The web seed keys (public_url, https_cert_file, https_key_file) checked; `ipv6` says whether the box is
 * used over IPv6 (then the listeners also bind ::). Returns the http: section to render when the seed's
 * proxy config has none.
 */
function validateWeb(raw, { hostname, ipv6, proxy, portalAllowFrom }, warnings) {
  const cert = raw.https_cert_file === undefined ? null : absoluteFile(raw.https_cert_file, 'https_cert_file');
  const key = raw.https_key_file === undefined ? null : absoluteFile(raw.https_key_file, 'https_key_file');
  if ((cert === null) !== (key === null)) {
    const [given, missing] = cert === null ? ['https_key_file', 'https_cert_file'] : ['https_cert_file', 'https_key_file'];
    throw new SeedError(`${missing}: missing: ${given} is set, so ${missing} is needed too (both or neither; neither = self-signed)`);
  }
  const url = raw.public_url === undefined ? null : publicUrl(raw.public_url, 'public_url');
  if (proxy === null) return null;
  if (proxy.http !== undefined) {
    // An http: section written by the admin is theirs, kept as written.
    for (const k of ['public_url', 'https_cert_file', 'https_key_file']) {
      if (raw[k] !== undefined) warnings.push(`${k} is ignored: proxy.http is given and kept as written`);
    }
    if (portalAllowFrom.length > 0 && proxy.http.admin_listen === undefined) {
      warnings.push(
        'proxy.http has no admin_listen: the admin pages and /metrics are served on the portal port, open to portal_allow_from too',
      );
    }
    return null;
  }
  const addresses = ipv6 ? ['0.0.0.0', '::'] : ['0.0.0.0'];
  let derived = url;
  if (derived === null && hostname !== null) {
    derived = `https://${hostname}:${PORTAL_PORT}`;
    if (!hostname.includes('.')) {
      warnings.push(
        `public_url derived from the short host name (${derived}): set public_url to the name users' browsers reach`,
      );
    }
  }
  if (derived === null) {
    warnings.push('no public_url and no hostname: links and QR codes cannot name the portal; set public_url');
  }
  return {
    listen: addresses.map((address) => ({ address, port: PORTAL_PORT })),
    admin_listen: addresses.map((address) => ({ address, port: ADMIN_PORT })),
    ...(derived === null ? {} : { public_url: derived }),
    ...(cert === null ? {} : { cert_file: cert, key_file: key }),
  };
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
  // The portal is open to the management networks (web_allow_from) plus these; by default nothing more:
  // putting a sign-in page on the internet is the admin's decision (appliance/README.md, "Web pages").
  const portalAllowFrom = mgmt('portal_allow_from') ?? [];

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

  const network = validateNetwork(raw.network);
  let proxy = validateProxy(raw.proxy, warnings);
  // IPv6 in use: the proxy listens on an IPv6 address, the static address is IPv6, or the admin listed IPv6
  // networks for the web ports (the default "anywhere" lists do not count).
  const v6 = (list) => list.some((c) => parseCidr(c, 'x').family === 6);
  const ipv6 =
    (proxy !== null && proxy.listen.some((l) => isIP(l.address.split('/')[0]) === 6)) ||
    (network.mode === 'static' && parseCidr(network.address, 'network.address').family === 6) ||
    v6(portalAllowFrom) ||
    (raw.web_allow_from !== undefined && v6(webAllowFrom));
  const http = validateWeb(raw, { hostname, ipv6, proxy, portalAllowFrom }, warnings);
  if (http !== null) proxy = { ...proxy, http };
  if (proxy?.http !== undefined && webAllowFrom.some((c) => c === '0.0.0.0/0' || c === '::/0')) {
    warnings.push(
      `web_allow_from is anywhere${raw.web_allow_from === undefined ? ' (it follows ssh_allow_from)' : ''}: the admin pages and /metrics can be reached from every network; set web_allow_from to the management networks`,
    );
  }

  return {
    hostname,
    admin: { user, keys },
    network,
    ntpServers,
    timeSyncWait,
    sshAllowFrom,
    webAllowFrom,
    portalAllowFrom,
    syslog,
    proxy,
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

const sortedPorts = (ports) => [...new Set(ports)].sort((a, b) => a - b).map(String);

/**
 * nftables elements for the static ruleset in /etc/nftables.conf: RADIUS (radius_*) from the clients, SSH
 * (ssh_*) from its networks, the portal ports (portal_ports, config.yaml's http.listen) from the management
 * networks (web_*) and portal_allow_from (portal_*), the admin ports (admin_ports, http.admin_listen) from the
 * management networks only. `where` names the http: section in errors.
 */
export function renderFirewall(proxy, { sshAllowFrom, webAllowFrom, portalAllowFrom }, where = 'proxy.http') {
  const ports = new Set();
  const clients = [];
  let http = { portal: [], admin: [] };
  if (proxy !== null) {
    for (const l of proxy.listen) {
      ports.add(l.auth_port ?? DEFAULT_AUTH_PORT);
      if (l.acct_port !== undefined) ports.add(port(l.acct_port, 'proxy.listen[].acct_port'));
    }
    for (const c of proxy.clients) clients.push(c.address);
    http = httpPorts(proxy.http, where);
  }
  const radius = splitFamilies(clients, 'proxy.clients');
  const ssh = splitFamilies(sshAllowFrom, 'ssh_allow_from');
  const web = splitFamilies(webAllowFrom, 'web_allow_from');
  const portal = splitFamilies(portalAllowFrom, 'portal_allow_from');
  const lines = [
    '# Generated by mfa-apply-seed from the seed and /etc/mfa-radius-proxy/config.yaml: do not edit.',
    '# After changing the RADIUS clients or the http: ports in config.yaml run: mfa-apply-seed --firewall',
    ...elementLine('radius_ports', sortedPorts(ports)),
    ...elementLine('radius_v4', radius.v4),
    ...elementLine('radius_v6', radius.v6),
    ...elementLine('ssh_v4', ssh.v4),
    ...elementLine('ssh_v6', ssh.v6),
    ...elementLine('portal_ports', sortedPorts(http.portal)),
    ...elementLine('admin_ports', sortedPorts(http.admin)),
    ...elementLine('web_v4', web.v4),
    ...elementLine('web_v6', web.v6),
    ...elementLine('portal_v4', portal.v4),
    ...elementLine('portal_v6', portal.v6),
  ];
  return `${lines.join('\n')}\n`;
}

/** Re-renders the firewall elements after an admin edited config.yaml (mfa-apply-seed --firewall). */
export function firewallFromConfig(proxyRaw, management) {
  const proxy = validateProxy(isObject(proxyRaw) ? { ...proxyRaw, http: undefined } : proxyRaw, []);
  const http = isObject(proxyRaw) ? proxyRaw.http : undefined;
  const mgmt = isObject(management) ? management : {};
  const sshAllowFrom = stringList(mgmt.ssh_allow_from ?? ['0.0.0.0/0', '::/0'], 'ssh_allow_from');
  const webAllowFrom = stringList(mgmt.web_allow_from ?? sshAllowFrom, 'web_allow_from');
  // A management.json from before the portal existed has no portal_allow_from: the management networks only.
  const portalAllowFrom = stringList(mgmt.portal_allow_from ?? [], 'portal_allow_from');
  return renderFirewall({ ...proxy, http }, { sshAllowFrom, webAllowFrom, portalAllowFrom }, 'http');
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
    { path: '/etc/nftables.d/10-appliance.nft', mode: 0o600, content: renderFirewall(proxy, seed) },
    { path: '/etc/chrony/sources.d/appliance.sources', mode: 0o644, content: renderChrony(seed.ntpServers) },
    { path: '/etc/rsyslog.d/90-remote.conf', mode: 0o644, content: renderRsyslog(seed.syslog) },
    { path: '/etc/mfa-appliance/time-sync-wait', mode: 0o644, content: `${seed.timeSyncWait}\n` },
    {
      path: '/etc/mfa-appliance/management.json',
      mode: 0o644,
      content: `${JSON.stringify({ ssh_allow_from: seed.sshAllowFrom, web_allow_from: seed.webAllowFrom, portal_allow_from: seed.portalAllowFrom })}\n`,
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
