import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import YAML, { LineCounter, isNode } from 'yaml';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { deepFreeze } from '../shared/deep-freeze.js';
import { isInside, SYSTEM_PATHS, type SystemPaths } from './config-location.js';
import { applyGatewayPresets } from './gateway-presets.js';
import { type Config, configSchema } from './schema.js';
import { unavailableOptions } from './unavailable-options.js';

/** Where a config came from, for error messages and for resolving relative paths. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

export interface LoadedConfig {
  readonly config: Readonly<Config>;
  readonly file: string;
}

export interface ParseOptions {
  /** Where /etc and /var/lib are (tests inject temporary directories). */
  readonly systemPaths?: SystemPaths;
}

/** `clients[0].secret` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

/** Turns zod's issues into lines an admin can act on: file:line, the key, what is expected. */
function describeIssues(
  source: ConfigSource,
  doc: YAML.Document,
  lines: LineCounter,
  issues: z.core.$ZodIssue[],
): string {
  const out: string[] = [];
  for (const issue of issues) {
    let path: PropertyKey[] = [...issue.path];
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      path = [...path, issue.keys[0] ?? ''];
      message = `unknown key (check the spelling; see the config reference in README.md)`;
    } else if (issue.code === 'invalid_type' && / received undefined$/.test(message)) {
      message = `missing: this key is required (${message.replace(/^Invalid input: /, '')})`;
    } else if (
      issue.code === 'invalid_type' &&
      issue.expected === 'string' &&
      / received number$/.test(message)
    ) {
      message = `expected text, got a number: put the value in quotes, e.g. "0123456789"`;
    }
    out.push(`${where(source, doc, lines, path)}: ${formatPath(path)}: ${message}`);
  }
  return out.join('\n');
}

/** `file:line` of the deepest node on `path` that exists in the file (or just the file). */
function where(
  source: ConfigSource,
  doc: YAML.Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
): string {
  let node: unknown;
  for (let n = path.length; n >= 0 && !isNode(node); n--)
    node = doc.getIn(path.slice(0, n) as unknown[], true);
  const range = isNode(node) ? node.range : undefined;
  return range ? `${source.file}:${lines.linePos(range[0]).line}` : source.file;
}

/**
 * yaml's first message line ends in "at line L, column C:" (the excerpt followed on the next
 * lines). The line is already in our prefix; keep the column and drop the dangling colon.
 */
export function yamlMessage(message: string): string {
  const first = message.split('\n')[0]!.trim();
  return first.replace(/ at line \d+, column (\d+):?$/, ' (column $1)').replace(/:$/, '');
}

/** Checks zod cannot express: names unique, listeners unique. */
function semanticIssues(config: Config): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  config.clients.forEach((c, i) => {
    if (names.has(c.name))
      problems.push(`clients[${i}].name: "${c.name}" is used twice; client names must be unique`);
    names.add(c.name);
  });
  const sockets = new Set<string>();
  config.listen.forEach((l, i) => {
    for (const p of [l.auth_port, l.acct_port]) {
      if (p === undefined) continue;
      const key = `${l.address}:${p}`;
      if (sockets.has(key)) problems.push(`listen[${i}]: ${key} is listed twice`);
      sockets.add(key);
    }
  });
  return problems;
}

export function parseConfig(source: ConfigSource, opts: ParseOptions = {}): LoadedConfig {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(source.text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new AppError(
      ErrorCodes.CONFIG_PARSE,
      `${source.file}${line ? `:${line}` : ''}: not valid YAML: ${yamlMessage(first.message)}`,
      { file: source.file },
    );
  }
  const presets = applyGatewayPresets(doc.toJS() ?? {});
  const raw = presets.raw;
  const unavailable = [...presets.issues, ...unavailableOptions(raw)];
  if (unavailable.length > 0) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `invalid configuration:\n${unavailable
        .map((u) => `${where(source, doc, lines, u.path)}: ${formatPath(u.path)}: ${u.message}`)
        .join('\n')}`,
      { file: source.file },
    );
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `invalid configuration:\n${describeIssues(source, doc, lines, result.error.issues)}`,
      { file: source.file },
    );
  }
  const problems = semanticIssues(result.data);
  if (problems.length > 0) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `invalid configuration:\n${problems.map((p) => `${source.file}: ${p}`).join('\n')}`,
      { file: source.file },
    );
  }
  const config = result.data;
  config.data_dir = dataDirFor(
    source,
    doc.has('data_dir'),
    config.data_dir,
    opts.systemPaths ?? SYSTEM_PATHS,
  );
  return { config: deepFreeze(config), file: source.file };
}

/**
 * Where the data goes. Relative paths are relative to the config file, not to wherever the service
 * was started, except that a config under /etc never keeps users and keys under /etc (issue 9,
 * item 12): with data_dir left out it is /var/lib/mfa-radius-proxy; an explicit relative data_dir
 * there is an error (an absolute path says what the admin means).
 */
function dataDirFor(source: ConfigSource, explicit: boolean, dataDir: string, paths: SystemPaths): string {
  const underEtc = isInside(source.file, paths.etcDir);
  if (underEtc && !explicit) return paths.dataDir;
  if (isAbsolute(dataDir)) return dataDir;
  if (underEtc) {
    throw new AppError(
      ErrorCodes.CONFIG_INVALID,
      `invalid configuration:\n${source.file}: data_dir: a relative data_dir ("${dataDir}") in a config under ${paths.etcDir}/ would keep users and keys under ${paths.etcDir}; write an absolute path, e.g. data_dir: ${paths.dataDir}, or leave data_dir out for that default`,
      { file: source.file },
    );
  }
  return resolve(dirname(resolve(source.file)), dataDir);
}

export function loadConfigFile(file: string, opts: ParseOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOENT' ? 'the file does not exist; create it (see README.md, "Configuration")' : String(e);
    throw new AppError(
      ErrorCodes.CONFIG_READ,
      `${file}: cannot read the config file: ${hint}`,
      { file },
      { cause: e },
    );
  }
  return parseConfig({ file, text }, opts);
}
