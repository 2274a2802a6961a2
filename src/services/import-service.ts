import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { IdentityResolver } from './identity-resolver.js';
import { parseCsv } from './import-csv.js';
import { importOathRow, OATH_COLUMNS, tokenLabels } from './import-oath.js';
import { type ImportKind, type ImportReport, type ImportRowResult, makeReport } from './import-report.js';
import { type Columns, mapHeader, rowOf } from './import-rows.js';
import { importUserRow, USERS_COLUMNS } from './import-users.js';

/**
 * Issue 11, item 6: moving users off Azure MFA Server. Two files (import-oath.ts, import-users.ts),
 * a dry run first, a report of each row either way; a second run of the same file skips what the
 * first imported. The CLI (`import oath-csv|users-csv`) and the admin page both call this.
 */

export interface ImportDeps {
  readonly config: Readonly<Config>;
  /** Named in messages (e.g. that it has no sms: section). */
  readonly configFile: string;
  readonly store: Store;
  readonly resolver: IdentityResolver;
}

/** Bounds for one upload: far above any MFA Server's user count, far below what hurts the process. */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 100_000;

const COLUMNS: Readonly<Record<ImportKind, Columns>> = {
  'oath-csv': OATH_COLUMNS,
  'users-csv': USERS_COLUMNS,
};

export class ImportService {
  constructor(private readonly deps: ImportDeps) {}

  /** What run() would do, changing nothing. */
  dryRun(csvText: string, kind: ImportKind): Promise<ImportReport> {
    return this.process(csvText, kind, false);
  }

  /** Imports every row it can; the report says what was done, skipped and refused. */
  run(csvText: string, kind: ImportKind): Promise<ImportReport> {
    return this.process(csvText, kind, true);
  }

  private async process(text: string, kind: ImportKind, write: boolean): Promise<ImportReport> {
    const fail = (fileError: string) => makeReport(kind, !write, [], { fileError });
    if (Buffer.byteLength(text, 'utf8') > MAX_IMPORT_BYTES)
      return fail(`it is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB; split it`);
    if (text.includes('\u0000'))
      return fail('it holds NUL characters: save it as UTF-8 (not UTF-16 / "Unicode text")');
    const parsed = parseCsv(text).rows;
    // Windows PowerShell's Export-Csv without -NoTypeInformation writes `#TYPE <class>` first.
    const first = parsed[0];
    const rows =
      first && 'fields' in first && first.fields[0]?.startsWith('#TYPE ') ? parsed.slice(1) : parsed;
    const [head, ...data] = rows;
    if (head === undefined) return fail('it is empty (a header row is expected)');
    if ('error' in head) return fail(`the header row (line ${head.line}): ${head.error}`);
    if (data.length > MAX_IMPORT_ROWS) return fail(`it has more than ${MAX_IMPORT_ROWS} rows; split it`);
    const header = mapHeader(head.fields, COLUMNS[kind]);
    if (!header.ok) return fail(header.error);
    if (kind === 'users-csv' && !header.value.index.has('phone') && !header.value.index.has('method'))
      return fail(
        'the header row (line 1) has neither a "phone" nor a "default method" column: nothing to import',
      );
    const notes =
      header.value.ignored.length > 0 ? [`columns ignored: ${header.value.ignored.join(', ')}`] : [];

    const { config, configFile, store, resolver } = this.deps;
    const oath = {
      store,
      resolver,
      period: config.totp.period,
      write,
      seenSerials: new Map<string, number>(),
      seenSecrets: new Map<string, number>(),
      labels: kind === 'oath-csv' ? tokenLabels(store) : new Map(),
    };
    const users = { config, configFile, store, resolver, write, seen: new Map<string, number>() };
    const results: ImportRowResult[] = [];
    for (const r of data) {
      if ('error' in r) {
        results.push({
          line: r.line,
          user: '',
          outcome: 'refused',
          reason: 'bad_row',
          detail: r.error,
          notes: [],
        });
        continue;
      }
      const row = rowOf(r.line, r.fields, header.value);
      // More fields than the header: a value with an unquoted comma shifted the rest. Fewer: the
      // missing cells read as empty (a required one is then refused by name).
      if (r.fields.length > head.fields.length) {
        results.push({
          line: r.line,
          user: row.get(kind === 'oath-csv' ? 'upn' : 'user'),
          outcome: 'refused',
          reason: 'bad_row',
          detail: `${r.fields.length} fields, the header has ${head.fields.length} (a comma inside a value must be quoted)`,
          notes: [],
        });
        continue;
      }
      results.push(kind === 'oath-csv' ? await importOathRow(row, oath) : await importUserRow(row, users));
    }
    return makeReport(kind, !write, results, { notes });
  }
}
