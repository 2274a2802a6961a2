import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command, type Option } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { configSchema, mfaModes } from '../../../src/config/schema.js';
import { Reasons } from '../../../src/pipeline/reasons.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import {
  type CliCommand,
  checkCli,
  checkConfigKeys,
  checkErrorCodes,
  checkEvents,
  checkModes,
  checkReasons,
  schemaLeafPaths,
} from './catalogue-checks.js';

/**
 * Issue 9, item 15: the README's catalogues are held against the code's, both ways, as the YAML
 * examples already are (readme-examples.test.ts). A failure lists exactly what is missing where.
 * The rules for each catalogue are in catalogue-checks.ts.
 */

const readme = readFileSync('README.md', 'utf8');
const reasons = Object.values(Reasons);
const errorCodes = Object.values(ErrorCodes);
const schemaPaths = schemaLeafPaths(configSchema);

/** Event names: every `event: '…'` literal in src/, with the first file that logs it. */
function eventsInSource(dir = 'src'): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    for (const m of readFileSync(file, 'utf8').matchAll(/\bevent:\s*['"`]([a-z][a-z0-9_]*)['"`]/g))
      if (!found.has(m[1]!)) found.set(m[1]!, relative('.', file));
  }
  return found;
}
const events = eventsInSource();

/** The commander program of src/cli/main.ts, built but not run: its parseAsync is held back. */
let commands: CliCommand[] = [];
let rootOptions: string[] = [];
const longs = (opts: readonly Option[]) =>
  opts.map((o) => o.long).filter((l): l is string => l !== undefined);

function leaves(cmd: Command, prefix: string): CliCommand[] {
  return cmd.commands.flatMap((c) => {
    const path = prefix ? `${prefix} ${c.name()}` : c.name();
    return c.commands.length > 0 ? leaves(c, path) : [{ path, options: longs(c.options) }];
  });
}

beforeAll(async () => {
  let program: Command | undefined;
  const spies = [
    vi.spyOn(Command.prototype, 'parseAsync').mockImplementation(function (this: Command) {
      program = this;
      return Promise.resolve(this);
    }),
    vi.spyOn(Command.prototype, 'parse').mockImplementation(function (this: Command) {
      program = this;
      return this;
    }),
  ];
  try {
    await import('../../../src/cli/main.js');
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  if (!program) throw new Error('src/cli/main.ts did not call parse/parseAsync on its program');
  commands = leaves(program, '');
  rootOptions = longs(program.options);
});

describe('README catalogues match the code', () => {
  it('reads non-empty catalogues from the code', () => {
    expect(reasons.length).toBeGreaterThan(20);
    expect(errorCodes.length).toBeGreaterThan(10);
    expect(events.size).toBeGreaterThan(10);
    expect(commands.map((c) => c.path)).toContain('token add');
    expect(schemaPaths).toContain('directory.servers[].timeout');
    expect(schemaPaths).toContain('policy.rules[].reply[].max_bytes');
  });

  it('reason table = Reasons', () => {
    expect(checkReasons(readme, reasons)).toEqual([]);
  });

  it('event table = the events logged under src/', () => {
    expect(checkEvents(readme, events)).toEqual([]);
  });

  it('error-code list = ErrorCodes', () => {
    expect(checkErrorCodes(readme, errorCodes)).toEqual([]);
  });

  it('MFA modes table = mfaModes', () => {
    expect(checkModes(readme, mfaModes)).toEqual([]);
  });

  it('command-line table = the commander commands and options', () => {
    expect(checkCli(readme, commands, rootOptions)).toEqual([]);
  });

  it('every config key of configSchema is documented, and every documented key exists', () => {
    expect(checkConfigKeys(readme, schemaPaths)).toEqual([]);
  });
});

/**
 * The checks themselves: drift on either side is reported, naming the item and the place. Each case
 * edits a copy of the README and expects exactly the problems the edit introduces (compared with the
 * unedited README, so drift that other branches bring in does not make these cases fail as well).
 */
describe('README catalogue checks catch drift', () => {
  const edit = (text: string, ...steps: Array<[string | RegExp, string]>) =>
    steps.reduce((md, [from, to]) => {
      const next = md.replace(from, to);
      expect(next, `the README no longer contains ${String(from)}: update this test`).not.toBe(md);
      return next;
    }, text);
  const introduced = (check: (md: string) => string[], md: string) => {
    const before = new Set(check(readme));
    return check(md).filter((p) => !before.has(p));
  };

  it('a reason missing from the table, and one the code lacks', () => {
    const md = edit(
      readme,
      [/^\| `upstream_timeout` \|.*\n/m, ''],
      ['| `mfa_ok` |', '| `mfa_ok` / `made_up` |'],
    );
    expect(introduced((m) => checkReasons(m, reasons), md)).toEqual([
      'reason `upstream_timeout` (Reasons in src/pipeline/reasons.ts) is missing from the README: the table under "### Reason codes"',
      'reason `made_up` is in the README (the table under "### Reason codes") but not in Reasons in src/pipeline/reasons.ts',
    ]);
  });

  it('an event missing from the table names the file that logs it', () => {
    const md = edit(readme, [/^\| `upstream_dead` \|.*\n/m, '']);
    expect(introduced((m) => checkEvents(m, events), md)).toEqual([
      'event `upstream_dead` (src/upstream/health.ts) is missing from the README: the event table under "## Audit log"',
    ]);
  });

  it('an error code missing from Troubleshooting, and one the code lacks anywhere', () => {
    const md = edit(
      readme,
      [/^\| `MFA_ERR_UPSTREAM` \|.*\n/m, ''],
      ['## Development', 'MFA_ERR_BOGUS\n## Development'],
    );
    expect(introduced((m) => checkErrorCodes(m, errorCodes), md)).toEqual([
      'error code `MFA_ERR_UPSTREAM` (ErrorCodes in src/shared/errors.ts) is missing from the README: the error-code table under "## Troubleshooting"',
      'error code `MFA_ERR_BOGUS` is named in the README but not in ErrorCodes in src/shared/errors.ts',
    ]);
  });

  it('a mode missing from the modes table', () => {
    const md = edit(readme, [/^\| `second_factor_only` \|.*\n/m, '']);
    expect(introduced((m) => checkModes(m, mfaModes), md)).toEqual([
      'mfa_mode `second_factor_only` (mfaModes in src/config/schema.ts) is missing from the README: the table under "### MFA modes"',
    ]);
  });

  it('an option missing, an option and a command the code lacks', () => {
    const md = edit(
      readme,
      [' [--no-qr]', ''],
      ['[--timeout SEC]', '[--timeout SEC] [--retries N]'],
      ['| `lockouts [--json]` |', '| `lockouts [--json]` · `lockouts clear` |'],
    );
    expect(introduced((m) => checkCli(m, commands, rootOptions), md)).toEqual([
      'option `token add --no-qr` (src/cli/) is missing from the README: the table under "## Command line"',
      'command `lockouts clear` is in the README (the table under "## Command line") but not in src/cli/',
      'option `radtest --retries` is in the README (the table under "## Command line") but not in src/cli/',
    ]);
  });

  it('a config key in no example and no key table, and a documented key the schema lacks', () => {
    const md = edit(
      readme,
      [/^\| `directory.sockets_per_server` \|.*\n/m, ''],
      ['    nas_timeout: 30 ', '    nas_timeot: 30 '],
    );
    expect(introduced((m) => checkConfigKeys(m, schemaPaths), md)).toEqual([
      'config key `directory.sockets_per_server` (configSchema in src/config/) is missing from the README: no ```yaml example has it and no "key" table names it (see "### All other keys")',
      'config key `clients[].nas_timeot` is in a README yaml example but not in configSchema',
    ]);
  });
});
