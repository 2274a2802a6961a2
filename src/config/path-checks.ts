import { accessSync, constants, lstatSync, readFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { LoadedConfig } from './load.js';
import type { Config } from './schema.js';

/**
 * Every file and directory a config names, checked the way `serve` will use it, so `check-config`
 * never passes a config that `serve` then refuses (issue 9, item 13). Reads only; creates nothing.
 */

export interface PathProblem {
  /** The config key (`directory.ca_file`, `data_dir`). */
  readonly key: string;
  readonly path: string;
  readonly problem: string;
}

// Names inside data_dir (store.ts, database.ts); kept here so this module reads, never opens, them.
const KEY_FILE = 'secret.key';
const DB_FILE = 'mfa.db';
const KEY_BYTES = 32;

function stat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up then names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

function can(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

const errno = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** data_dir must be a writable directory, or creatable: its nearest existing parent is writable. */
function checkDataDir(dir: string, out: PathProblem[]): void {
  const key = 'data_dir';
  let st: Stats | undefined;
  try {
    st = stat(dir);
  } catch (e) {
    out.push({ key, path: dir, problem: `cannot be inspected (${errno(e)})` });
    return;
  }
  if (st) {
    if (!st.isDirectory()) out.push({ key, path: dir, problem: 'exists but is not a directory' });
    else if (!can(dir, constants.W_OK | constants.X_OK))
      out.push({ key, path: dir, problem: 'is not writable by this user; fix its owner or permissions' });
    else checkDataFiles(dir, out);
    return;
  }
  let parent = dirname(dir);
  for (;;) {
    let pst: Stats | undefined;
    try {
      pst = stat(parent);
    } catch (e) {
      out.push({ key, path: dir, problem: `cannot be created: ${parent} cannot be inspected (${errno(e)})` });
      return;
    }
    if (pst) {
      if (!pst.isDirectory())
        out.push({ key, path: dir, problem: `cannot be created: ${parent} is not a directory` });
      else if (!can(parent, constants.W_OK | constants.X_OK))
        out.push({
          key,
          path: dir,
          problem: `cannot be created: ${parent} is not writable by this user; create ${dir} for the service user`,
        });
      return;
    }
    const up = dirname(parent);
    if (up === parent) return;
    parent = up;
  }
}

/** The key file and the database, when they exist: what Store.open would refuse. */
function checkDataFiles(dir: string, out: PathProblem[]): void {
  const keyFile = join(dir, KEY_FILE);
  const key = stat(keyFile);
  if (key) {
    const mode = (key.mode & 0o777).toString(8).padStart(4, '0');
    if (key.isSymbolicLink() || !key.isFile())
      out.push({
        key: 'data_dir',
        path: keyFile,
        problem: 'is not a regular file (the key file must be one)',
      });
    else if ((key.mode & 0o077) !== 0)
      out.push({
        key: 'data_dir',
        path: keyFile,
        problem: `(the key file) is accessible by group/other (mode ${mode}); fix with: chmod 600 ${keyFile}`,
      });
    else if (key.size !== KEY_BYTES)
      out.push({
        key: 'data_dir',
        path: keyFile,
        problem: `(the key file) holds ${key.size} bytes, not ${KEY_BYTES}; restore it from backup`,
      });
    else if (!can(keyFile, constants.R_OK))
      out.push({ key: 'data_dir', path: keyFile, problem: '(the key file) is not readable by this user' });
  }
  // The local accounting log (accounting-service.ts) writes under data_dir/accounting.
  const acct = join(dir, 'accounting');
  const acctSt = stat(acct);
  if (acctSt && (!acctSt.isDirectory() || !can(acct, constants.W_OK | constants.X_OK)))
    out.push({
      key: 'data_dir',
      path: acct,
      problem: '(the accounting log directory) is not a writable directory',
    });
  const db = join(dir, DB_FILE);
  if (stat(db) && !can(db, constants.R_OK | constants.W_OK))
    out.push({
      key: 'data_dir',
      path: db,
      problem: '(the database) is not readable and writable by this user',
    });
}

/** A PEM CA bundle: a readable regular file with at least one certificate in it. */
function checkCaFile(file: string, out: PathProblem[]): void {
  const key = 'directory.ca_file';
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    const code = errno(e);
    const why =
      code === 'ENOENT'
        ? 'does not exist; copy the CA certificate (PEM) that signed the directory server certificate there'
        : code === 'EISDIR'
          ? 'is a directory, not a PEM file'
          : `cannot be read (${code})`;
    out.push({ key, path: file, problem: why });
    return;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    out.push({ key, path: file, problem: 'holds no PEM certificate ("-----BEGIN CERTIFICATE-----")' });
}

/** syslog.tls: the PEM files the TLS connection to the syslog server reads at start. */
function checkSyslogFiles(config: Readonly<Config>, out: PathProblem[]): void {
  const t = config.syslog?.transport === 'tls' ? config.syslog.tls : undefined;
  if (!t) return;
  const files: Array<[string, string | undefined]> = [
    ['syslog.tls.ca_file', t.ca_file],
    ['syslog.tls.cert_file', t.cert_file],
    ['syslog.tls.key_file', t.key_file],
  ];
  for (const [key, file] of files) {
    if (file === undefined) continue;
    try {
      readFileSync(file, 'latin1');
    } catch (e) {
      out.push({ key, path: file, problem: `cannot be read (${errno(e)})` });
    }
  }
}

export function checkConfigPaths(config: Readonly<Config>): PathProblem[] {
  const out: PathProblem[] = [];
  checkDataDir(config.data_dir, out);
  if (config.directory.type === 'ldap' && config.directory.ca_file !== undefined)
    checkCaFile(config.directory.ca_file, out);
  checkSyslogFiles(config, out);
  return out;
}

/** For serve and the store commands: refuse with MFA_ERR_CONFIG_PATH before anything is opened. */
export function assertConfigPaths(loaded: LoadedConfig): void {
  const problems = checkConfigPaths(loaded.config);
  if (problems.length === 0) return;
  throw new AppError(
    ErrorCodes.CONFIG_PATH,
    `${loaded.file}: a path in the config cannot be used:\n${formatPathProblems(loaded.file, problems)}`,
    { file: loaded.file },
  );
}

export function formatPathProblems(file: string, problems: readonly PathProblem[]): string {
  return problems.map((p) => `${file}: ${p.key}: ${p.path} ${p.problem}`).join('\n');
}
