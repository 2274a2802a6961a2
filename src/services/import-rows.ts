import { ErrorCodes } from '../shared/errors.js';
import { headerKey } from './import-csv.js';
import type { IdentityResolver, ResolvedIdentity } from './identity-resolver.js';
import type { ImportRowReason, ImportRowResult } from './import-report.js';

/** The columns of one kind of file: a field name → the header spellings it is known by. */
export type Columns = Readonly<
  Record<string, { readonly names: readonly string[]; readonly required: boolean }>
>;

export interface HeaderMap {
  /** Field name → column index. */
  readonly index: ReadonlyMap<string, number>;
  /** Header cells no field uses (reported, then ignored). */
  readonly ignored: readonly string[];
}

/** Matches a header row against the columns; a missing required column is the reason it fails. */
export function mapHeader(
  cells: readonly string[],
  columns: Columns,
): { ok: true; value: HeaderMap } | { ok: false; error: string } {
  const index = new Map<string, number>();
  const ignored: string[] = [];
  cells.forEach((cell, i) => {
    const key = headerKey(cell);
    const field = Object.entries(columns).find(([, c]) => c.names.includes(key))?.[0];
    if (field === undefined || index.has(field)) {
      if (cell.trim() !== '') ignored.push(cell.trim());
      return;
    }
    index.set(field, i);
  });
  const missing = Object.entries(columns)
    .filter(([f, c]) => c.required && !index.has(f))
    .map(([, c]) => `"${c.names[0]}"`);
  if (missing.length > 0) {
    const semicolons = cells.length === 1 && (cells[0] ?? '').includes(';');
    return {
      ok: false,
      error: semicolons
        ? 'the header is one column with ";" in it: the file uses semicolons; save it as "CSV (comma delimited)"'
        : `the header row (line 1) has no column ${missing.join(', ')}; it reads: ${cells.map((c) => c.trim()).join(',')}`,
    };
  }
  return { ok: true, value: { index, ignored } };
}

/** One data row, read by field name (trimmed; '' for a missing cell). */
export interface RowBase {
  readonly line: number;
  get(field: string): string;
}

export function rowOf(line: number, fields: readonly string[], header: HeaderMap): RowBase {
  return {
    line,
    get(field) {
      const i = header.index.get(field);
      return i === undefined ? '' : (fields[i] ?? '').trim();
    },
  };
}

export type Refuse = (reason: ImportRowReason, detail: string) => ImportRowResult;

export function refusedFor(line: number, user: string): Refuse {
  return (reason, detail) => ({ line, user, outcome: 'refused', reason, detail, notes: [] });
}

/** The directory's answer for a name, as a row result when it is no. */
export async function resolveUser(
  resolver: IdentityResolver,
  name: string,
  refuse: Refuse,
): Promise<{ ok: true; identity: ResolvedIdentity } | { ok: false; result: ImportRowResult }> {
  const r = await resolver.resolve(name);
  if (r.ok) return { ok: true, identity: r.value };
  const reason: ImportRowReason =
    r.error.code === ErrorCodes.DIRECTORY_UNAVAILABLE ? 'directory_unavailable' : 'unknown_user';
  return { ok: false, result: refuse(reason, r.error.message) };
}
