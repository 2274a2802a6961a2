import YAML from 'yaml';
import { codeSpans, firstCellNames, section, tables, yamlBlocks } from './markdown-parts.js';

/**
 * Compares one of the code's catalogues with the README's, both ways. Every problem is one line
 * that says what is missing where, so a failing run is the to-do list for the README (or the code).
 */

export type Problems = string[];

function diff(
  kind: string,
  code: Iterable<string>,
  codeWhere: string,
  readme: Iterable<string>,
  readmeWhere: string,
) {
  const inCode = new Set(code);
  const inReadme = new Set(readme);
  const problems: Problems = [];
  for (const name of [...inCode].sort())
    if (!inReadme.has(name))
      problems.push(`${kind} \`${name}\` (${codeWhere}) is missing from the README: ${readmeWhere}`);
  for (const name of [...inReadme].sort())
    if (!inCode.has(name))
      problems.push(`${kind} \`${name}\` is in the README (${readmeWhere}) but not in ${codeWhere}`);
  return problems;
}

function required(md: string, heading: string, withSubsections = true): string {
  const text = section(md, heading, withSubsections);
  if (text === undefined) throw new Error(`README.md has no heading "${heading}"`);
  return text;
}

/** Reasons: the first cell of each row of the table under "### Reason codes" (several per row, `a` / `b`). */
export function checkReasons(md: string, reasons: readonly string[]): Problems {
  const names = firstCellNames(required(md, '### Reason codes'));
  return diff(
    'reason',
    reasons,
    'Reasons in src/pipeline/reasons.ts',
    names,
    'the table under "### Reason codes"',
  );
}

/** Events: the first cell of each table row in "## Audit log" itself (not its "### Reason codes"). */
export function checkEvents(md: string, events: ReadonlyMap<string, string>): Problems {
  const names = firstCellNames(required(md, '## Audit log', false));
  const code = [...events.keys()];
  const problems = diff(
    'event',
    code,
    'an `event:` literal under src/',
    names,
    'the event table under "## Audit log"',
  );
  // Say where a missing event is logged, so the README row can describe it.
  return problems.map((p) => {
    const m = /^event `([^`]+)` \(/.exec(p);
    return m && events.has(m[1]!) ? p.replace('an `event:` literal under src/', events.get(m[1]!)!) : p;
  });
}

/** Error codes: every MFA_ERR_* named in "## Troubleshooting"; and none elsewhere that the code lacks. */
export function checkErrorCodes(md: string, codes: readonly string[]): Problems {
  const listed = [...required(md, '## Troubleshooting').matchAll(/\bMFA_ERR_[A-Z0-9_]+/g)].map((m) => m[0]);
  const problems = diff(
    'error code',
    codes,
    'ErrorCodes in src/shared/errors.ts',
    listed,
    'the error-code table under "## Troubleshooting"',
  );
  const known = new Set(codes);
  for (const name of new Set([...md.matchAll(/\bMFA_ERR_[A-Z0-9_]+/g)].map((m) => m[0])))
    if (!known.has(name) && !listed.includes(name))
      problems.push(
        `error code \`${name}\` is named in the README but not in ErrorCodes in src/shared/errors.ts`,
      );
  return problems;
}

/** MFA modes: the first cell of each row of the table under "### MFA modes". */
export function checkModes(md: string, modes: readonly string[]): Problems {
  const names = firstCellNames(required(md, '### MFA modes', false));
  return diff(
    'mfa_mode',
    modes,
    'mfaModes in src/config/schema.ts',
    names,
    'the table under "### MFA modes"',
  );
}

// ---------------------------------------------------------------------------------------------
// The command line

/** A leaf command as commander knows it: `token add` with its long options (`--no-qr`). */
export type CliCommand = { path: string; options: string[] };

/**
 * The rule for the README's "## Command line" section:
 * - each leaf command (`token add`, `lockouts`) has a code span in the first cell of a table row that
 *   starts with its words (`token add NAME [--secret BASE32]`), and every long option of that command
 *   appears in one of the spans for that command;
 * - `--config` may instead be covered by the sentence "All commands take `--config FILE`", which then
 *   must be true of every leaf command;
 * - the program's own options (`--version`) appear anywhere in the section;
 * - conversely, every command and option the table names exists in commander's definitions.
 */
export function checkCli(
  md: string,
  commands: readonly CliCommand[],
  rootOptions: readonly string[],
): Problems {
  const text = required(md, '## Command line');
  const where = 'the table under "## Command line"';
  const documented = new Map<string, Set<string>>();
  for (const span of tables(text).flatMap((t) => t.rows.flatMap((r) => codeSpans(r[0] ?? '')))) {
    const words: string[] = [];
    for (const w of span.split(/\s+/)) {
      if (!/^[a-z][a-z-]*$/.test(w)) break;
      words.push(w);
    }
    const path = words.join(' ');
    const opts = documented.get(path) ?? new Set<string>();
    for (const m of span.matchAll(/--[a-z][a-z0-9-]*/g)) opts.add(m[0]);
    documented.set(path, opts);
  }
  const allTakeConfig = /All commands take `--config FILE`/.test(text);
  const problems: Problems = [];
  const byPath = new Map(commands.map((c) => [c.path, c]));
  for (const c of commands) {
    const opts = documented.get(c.path);
    if (!opts) {
      problems.push(`command \`${c.path}\` (src/cli/) is missing from the README: ${where}`);
      continue;
    }
    for (const o of c.options) {
      if (opts.has(o) || (o === '--config' && allTakeConfig)) continue;
      problems.push(`option \`${c.path} ${o}\` (src/cli/) is missing from the README: ${where}`);
    }
    if (allTakeConfig && !c.options.includes('--config'))
      problems.push(
        `command \`${c.path}\` takes no --config, but the README says "All commands take \`--config FILE\`"`,
      );
  }
  for (const [path, opts] of documented) {
    const c = byPath.get(path);
    if (!c) {
      problems.push(`command \`${path}\` is in the README (${where}) but not in src/cli/`);
      continue;
    }
    for (const o of opts)
      if (!c.options.includes(o))
        problems.push(`option \`${path} ${o}\` is in the README (${where}) but not in src/cli/`);
  }
  for (const o of rootOptions)
    if (!text.includes(o))
      problems.push(
        `program option \`${o}\` (src/cli/main.ts) is missing from the README: "## Command line"`,
      );
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Config keys

/**
 * The rule for config keys. A key path names a key from the top of the file, with `[]` for the
 * entries of a list of objects: `directory.servers[].timeout`, `policy.rules[].reply[].max_bytes`.
 * Variants of a union (the three `directory` types) share one path space. A leaf is a key whose
 * value is not an object or a list of objects.
 *
 * Every leaf path of the schema is documented when
 * - it occurs as a key, at that path, in one of the README's ```yaml blocks, or
 * - it, or a key path above it, is written as a code span in the first cell of a table whose first
 *   header cell is "key" (e.g. the "### All other keys" table under "## Configuration");
 * and every path the README gives that way exists in the schema.
 */
export function checkConfigKeys(md: string, schemaPaths: ReadonlySet<string>): Problems {
  const yamlPaths = new Set<string>();
  for (const block of yamlBlocks(md)) yamlKeyPaths(YAML.parse(block), '', yamlPaths);
  const tablePaths = tables(md)
    .filter((t) => t.header[0]?.toLowerCase() === 'key')
    .flatMap((t) => t.rows.flatMap((r) => codeSpans(r[0] ?? '')));
  // Paths with everything above them: `a.b[].c` also gives `a.b[]`, `a.b` and `a`.
  const known = new Set<string>();
  for (const p of schemaPaths) for (const prefix of prefixes(p)) known.add(prefix);

  const problems: Problems = [];
  for (const p of [...schemaPaths].sort()) {
    if (yamlPaths.has(p)) continue;
    if (prefixes(p).some((q) => tablePaths.includes(q))) continue;
    problems.push(
      `config key \`${p}\` (configSchema in src/config/) is missing from the README: ` +
        'no ```yaml example has it and no "key" table names it (see "### All other keys")',
    );
  }
  // Below a leaf is data, not keys: `headers: { X-Api-Key: … }`, a JSON body's fields.
  const underLeaf = (p: string): boolean => prefixes(p).some((q) => q !== p && schemaPaths.has(q));
  for (const p of [...yamlPaths].sort())
    if (!known.has(p) && !underLeaf(p))
      problems.push(`config key \`${p}\` is in a README yaml example but not in configSchema`);
  for (const p of tablePaths)
    if (!known.has(p))
      problems.push(`config key \`${p}\` is in a README "key" table but not in configSchema`);
  return problems;
}

function prefixes(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(/\.|\[\]/g)) out.push(path.slice(0, m.index));
  out.push(path);
  return out.filter((p, i, a) => p !== '' && a.indexOf(p) === i);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function yamlKeyPaths(value: unknown, prefix: string, out: Set<string>): void {
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.add(p);
    if (Array.isArray(v)) for (const item of v) yamlKeyPaths(item, `${p}[]`, out);
    else yamlKeyPaths(v, p, out);
  }
}

/** The part of a zod 4 schema's definition this walk needs. */
type Def = {
  type: string;
  innerType?: Schema;
  in?: Schema;
  shape?: Record<string, Schema>;
  element?: Schema;
  options?: Schema[];
};
type Schema = { _zod: { def: Def } };

/** The leaf key paths of a zod object schema (see checkConfigKeys for what a path is). */
export function schemaLeafPaths(schema: unknown): Set<string> {
  const out = new Set<string>();
  walk(schema as Schema, '', out);
  return out;
}

function unwrap(s: Schema): Schema {
  const d = s._zod.def;
  if (d.innerType) return unwrap(d.innerType); // optional, default, prefault, nullable, readonly, catch
  if (d.type === 'pipe' && d.in) return unwrap(d.in);
  return s;
}

/** True when the schema is, or may be, an object (a union with an object variant counts). */
function hasObject(s: Schema): boolean {
  const d = unwrap(s)._zod.def;
  return d.type === 'object' || (d.type === 'union' && (d.options ?? []).some(hasObject));
}

function walk(s: Schema, path: string, out: Set<string>): void {
  const d = unwrap(s)._zod.def;
  if (d.type === 'object') {
    for (const [k, v] of Object.entries(d.shape ?? {})) walk(v, path ? `${path}.${k}` : k, out);
  } else if (d.type === 'array' && d.element && hasObject(d.element)) {
    walk(d.element, `${path}[]`, out);
  } else if (d.type === 'union' && (d.options ?? []).some((o) => hasObject(o) || isObjectArray(o))) {
    for (const o of d.options ?? []) walk(o, path, out);
  } else if (path) {
    out.add(path);
  }
}

function isObjectArray(s: Schema): boolean {
  const d = unwrap(s)._zod.def;
  return d.type === 'array' && d.element !== undefined && hasObject(d.element);
}
