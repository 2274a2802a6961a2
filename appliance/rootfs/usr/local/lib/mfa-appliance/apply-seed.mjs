#!/usr/bin/env node
// mfa-apply-seed: applies the first-boot seed (appliance.yaml) to this box, or re-renders the firewall.
//   mfa-apply-seed --seed FILE [--root DIR]   write hostname, network, firewall, proxy config, admin user
//   mfa-apply-seed --firewall                 re-render /etc/nftables.d/10-appliance.nft from config.yaml and load it
// Called by mfa-firstboot (before the network, sshd and the proxy start). --root writes the files under DIR
// and skips user creation and reloads (used by tests and for previews).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CONFIG_PATH, firewallFromConfig, renderAll, SeedError } from './seed-render.mjs';

// The yaml parser ships with the app (the mfa-radius-proxy package, /usr/lib/mfa-radius-proxy/node_modules); no second copy on the box.
// (Outside the appliance, e.g. in the repository's tests, it resolves from this file's location.)
function loadYaml() {
  for (const base of ['/usr/lib/mfa-radius-proxy/package.json', import.meta.url]) {
    try {
      return createRequire(base)('yaml');
    } catch {
      // try the next location
    }
  }
  throw new Error('mfa-apply-seed: the yaml package is missing (expected in /usr/lib/mfa-radius-proxy/node_modules)');
}
const YAML = loadYaml();

function arg(name) {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}
const root = arg('--root') ?? '/';
const live = root === '/';
const at = (p) => join(root, p);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });

function groupId(name) {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  return line === undefined ? undefined : Number(line.split(':')[2]);
}

function writeFile(f) {
  const path = at(f.path);
  if (f.content === null) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, f.content, { mode: f.mode });
  chmodSync(path, f.mode);
  if (live && f.group !== undefined) {
    const gid = groupId(f.group);
    if (gid !== undefined) chownSync(path, 0, gid);
  }
}

function ensureAdmin({ user, keys }) {
  if (keys.length === 0) return;
  const exists = readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${user}:`));
  // No password is ever set: the account stays locked ('!'), login is by SSH key only.
  if (!exists) run('useradd', ['--create-home', '--shell', '/bin/bash', '--user-group', user]);
  const home = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`)).split(':')[5];
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  chownSync(join(home, '.ssh'), uid, gid);
  writeFileSync(join(home, '.ssh/authorized_keys'), `${keys.join('\n')}\n`, { mode: 0o600 });
  chownSync(join(home, '.ssh/authorized_keys'), uid, gid);
  writeFileSync('/etc/sudoers.d/50-mfa-admin', `${user} ALL=(ALL:ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
}

function applySeed(seedPath) {
  const raw = YAML.parse(readFileSync(seedPath, 'utf8'));
  const result = renderAll(raw ?? {}, {
    stringifyYaml: (v) => YAML.stringify(v),
    randomSecret: () => randomBytes(24).toString('base64url'),
  });
  for (const f of result.files) writeFile(f);
  if (live) ensureAdmin(result.admin);
  for (const w of result.warnings) console.error(`mfa-apply-seed: WARNING: ${w}`);
  for (const name of result.generatedSecrets) {
    console.error(`mfa-apply-seed: generated a RADIUS shared secret for client '${name}' (see ${CONFIG_PATH})`);
  }
  console.error(
    `mfa-apply-seed: applied ${seedPath}: hostname=${result.hostname ?? '(unchanged)'} admin=${result.admin.keys.length > 0 ? result.admin.user : '(none)'}`,
  );
}

function applyFirewall() {
  const config = YAML.parse(readFileSync(at(CONFIG_PATH), 'utf8'));
  const mgmtPath = at('/etc/mfa-appliance/management.json');
  const mgmt = existsSync(mgmtPath) ? JSON.parse(readFileSync(mgmtPath, 'utf8')) : {};
  writeFile({ path: '/etc/nftables.d/10-appliance.nft', mode: 0o600, content: firewallFromConfig(config, mgmt) });
  if (live) run('nft', ['-f', '/etc/nftables.conf']);
  console.error('mfa-apply-seed: firewall updated from config.yaml');
}

try {
  if (process.argv.includes('--firewall')) applyFirewall();
  else {
    const seed = arg('--seed');
    if (seed === undefined) throw new SeedError('usage: mfa-apply-seed --seed FILE [--root DIR] | --firewall');
    applySeed(seed);
  }
} catch (err) {
  if (err instanceof SeedError || err?.name === 'YAMLParseError') {
    console.error(`mfa-apply-seed: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
