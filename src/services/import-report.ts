/**
 * What an import did (or, in a dry run, would do), row by row: the object the CLI prints and the
 * admin page renders. It never holds a secret or a whole phone number (masked: `+49•••••••89`).
 */

export const IMPORT_KINDS = ['oath-csv', 'users-csv'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** imported: done (dry run: would be done); skipped: nothing to do (already there); refused: see reason. */
export type RowOutcome = 'imported' | 'skipped' | 'refused';

/** Why a row was skipped or refused; stable names (README, "Importing from Azure MFA Server"). */
export const IMPORT_ROW_REASONS = [
  'bad_row',
  'missing_field',
  'unknown_user',
  'directory_unavailable',
  'bad_key',
  'bad_interval',
  'bad_phone',
  'sms_not_configured',
  'unsupported_method',
  'unknown_method',
  'duplicate_in_file',
  'already_imported',
  'serial_taken',
  'phone_conflict',
  'method_conflict',
  'nothing_to_import',
] as const;
export type ImportRowReason = (typeof IMPORT_ROW_REASONS)[number];

export interface ImportRowResult {
  /** The line of the file the row starts on (the header is line 1). */
  readonly line: number;
  /** The user as the file names it ('' when the row could not be read). */
  readonly user: string;
  /** The identity the directory resolved it to. */
  readonly identity?: string;
  readonly outcome: RowOutcome;
  readonly reason?: ImportRowReason;
  /** What was (would be) done, or why not. */
  readonly detail: string;
  /** Said to the admin for an imported row (e.g. that the mobile app must be enrolled again). */
  readonly notes: readonly string[];
}

export interface ImportReport {
  readonly kind: ImportKind;
  readonly dryRun: boolean;
  readonly rows: readonly ImportRowResult[];
  readonly totals: { readonly imported: number; readonly skipped: number; readonly refused: number };
  /** The file as a whole is unusable (no header, wrong columns, too big): nothing was imported. */
  readonly fileError?: string;
  /** About the file (columns ignored). */
  readonly notes: readonly string[];
}

export function makeReport(
  kind: ImportKind,
  dryRun: boolean,
  rows: readonly ImportRowResult[],
  extra: { readonly fileError?: string; readonly notes?: readonly string[] } = {},
): ImportReport {
  const count = (o: RowOutcome) => rows.filter((r) => r.outcome === o).length;
  return {
    kind,
    dryRun,
    rows,
    totals: { imported: count('imported'), skipped: count('skipped'), refused: count('refused') },
    ...(extra.fileError !== undefined ? { fileError: extra.fileError } : {}),
    notes: extra.notes ?? [],
  };
}

const VERB: Readonly<Record<RowOutcome, [dry: string, done: string]>> = {
  imported: ['would import', 'imported'],
  skipped: ['would skip', 'skipped'],
  refused: ['refused', 'refused'],
};

/** The report as the CLI prints it: a summary line, then one line per row (and its notes). */
export function renderReport(r: ImportReport, file: string): string {
  const out: string[] = [];
  const head = r.dryRun
    ? `dry run of import ${r.kind} ${file} (nothing was changed)`
    : `import ${r.kind} ${file}`;
  if (r.fileError !== undefined) return `${head}: the file cannot be imported: ${r.fileError}\n`;
  const t = r.totals;
  out.push(
    `${head}: ${t.imported} ${r.dryRun ? 'would be imported' : 'imported'}, ${t.skipped} skipped, ${t.refused} refused`,
  );
  for (const n of r.notes) out.push(`note: ${n}`);
  const width = Math.min(40, Math.max(4, ...r.rows.map((x) => x.user.length)));
  for (const row of r.rows) {
    const verb = VERB[row.outcome][r.dryRun ? 0 : 1];
    const why = row.reason ? `${row.reason}: ` : '';
    const who = row.identity && row.identity !== row.user.toLowerCase() ? ` (${row.identity})` : '';
    out.push(
      `line ${String(row.line).padEnd(5)} ${row.user.padEnd(width)} ${verb.padEnd(12)} ${why}${row.detail}${who}`,
    );
    for (const n of row.notes) out.push(`           note: ${n}`);
  }
  return `${out.join('\n')}\n`;
}
