import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createIdentityResolver } from '../services/identity-resolver.js';
import { type ImportKind, renderReport } from '../services/import-report.js';
import { ImportService } from '../services/import-service.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { action } from './cli-action.js';
import { type Common, withStore } from './store-context.js';

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new AppError(ErrorCodes.IMPORT_FILE, `${file} cannot be read (${code})`, { file }, { cause: e });
  }
}

/** Runs one import (or its dry run), prints the report, and fails when anything was refused. */
async function runImport(kind: ImportKind, file: string, opts: Common & { dryRun?: boolean }): Promise<void> {
  const text = readCsv(file);
  const report = await withStore(opts, async (store, loaded) => {
    const resolver = createIdentityResolver(loaded.config, store);
    try {
      const svc = new ImportService({ config: loaded.config, configFile: loaded.file, store, resolver });
      return opts.dryRun ? await svc.dryRun(text, kind) : await svc.run(text, kind);
    } finally {
      await resolver.close();
    }
  });
  process.stdout.write(renderReport(report, file));
  if (report.fileError !== undefined)
    throw new AppError(ErrorCodes.IMPORT_FILE, `${file}: ${report.fileError}`, { file });
  if (report.totals.refused > 0)
    throw new AppError(
      ErrorCodes.IMPORT_REFUSED,
      `${report.totals.refused} of ${report.rows.length} rows ${opts.dryRun ? 'would be' : 'were'} refused (see the report above); fix them and run the import again (imported rows are skipped)`,
      { file, refused: report.totals.refused },
    );
}

export function registerImportCommands(program: Command): void {
  const imp = program
    .command('import')
    .description('import users and tokens from Azure MFA Server exports (try --dry-run first)');

  imp
    .command('oath-csv <file>')
    .description(
      'enrol the OATH tokens of an Entra / MFA Server token CSV (upn,serial number,secret key,time interval,manufacturer,model)',
    )
    .option('--config <file>', 'config file')
    .option('--dry-run', 'report what would be imported, change nothing')
    .action(action((file: string, opts: Common & { dryRun?: boolean }) => runImport('oath-csv', file, opts)));

  imp
    .command('users-csv <file>')
    .description("set users' phone numbers and default methods from a CSV (username,phone,default method)")
    .option('--config <file>', 'config file')
    .option('--dry-run', 'report what would be imported, change nothing')
    .action(
      action((file: string, opts: Common & { dryRun?: boolean }) => runImport('users-csv', file, opts)),
    );
}
