import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import YAML, { LineCounter, isNode } from 'yaml';
import type { z } from 'zod';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { deepFreeze } from '../shared/deep-freeze.js';
import { type Config, configSchema } from './schema.js';

/** Where a config came from, for error messages and for resolving relative paths. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

export interface LoadedConfig {
  readonly config: Readonly<Config>;
  readonly file: string;
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
    // Point at the deepest node that exists in the file.
    let node: unknown;
    for (let n = path.length; n >= 0 && !isNode(node); n--)
      node = doc.getIn(path.slice(0, n) as unknown[], true);
    const range = isNode(node) ? node.range : undefined;
    const where = range ? `${source.file}:${lines.linePos(range[0]).line}` : source.file;
    out.push(`${where}: ${formatPath(path)}: ${message}`);
  }
  return out.join('\n');
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

export function parseConfig(source: ConfigSource): LoadedConfig {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(source.text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new AppError(
      ErrorCodes.CONFIG_PARSE,
      `${source.file}${line ? `:${line}` : ''}: not valid YAML: ${first.message.split('\n')[0]}`,
      { file: source.file },
    );
  }
  const result = configSchema.safeParse(doc.toJS() ?? {});
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
  // Relative paths in the file are relative to the file, not to wherever the service was started.
  if (!isAbsolute(config.data_dir)) config.data_dir = resolve(dirname(resolve(source.file)), config.data_dir);
  return { config: deepFreeze(config), file: source.file };
}

export function loadConfigFile(file: string): LoadedConfig {
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
  return parseConfig({ file, text });
}
