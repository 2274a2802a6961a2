import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import { createIdentityResolver } from '../services/identity-resolver.js';
import { PhoneService } from '../services/phone-service.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { maskForLog } from '../sms/phone-number.js';
import type { Store } from '../store/store.js';
import { action } from './cli-action.js';
import { type Common, withStore } from './store-context.js';

/** Runs fn with a PhoneService over the configured directory; closes the directory afterwards. */
function withPhones<T>(
  opts: Common,
  fn: (svc: PhoneService, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  return withStore(opts, async (store: Store, loaded) => {
    const resolver = createIdentityResolver(loaded.config, store);
    try {
      return await fn(
        new PhoneService({ config: loaded.config, configFile: loaded.file, store, resolver }),
        loaded,
      );
    } finally {
      await resolver.close();
    }
  });
}

export function registerPhoneCommands(program: Command): void {
  const phone = program.command('phone').description('manage phone numbers enrolled for SMS codes');

  phone
    .command('set <name> <number>')
    .description(
      'enrol (or replace) the number SMS codes go to for a user the directory knows; national numbers are read with sms.default_country',
    )
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, number: string, opts: Common) => {
        const done = await withPhones(opts, async (svc) => {
          const r = await svc.set(name, number);
          if (!r.ok) throw r.error;
          return r.value;
        });
        if (done.identity.note) process.stderr.write(`note: ${done.identity.note}\n`);
        if (done.warning) process.stderr.write(`warning: ${done.warning}\n`);
        // Masked here too: terminal output ends up in scrollback, tickets and screen shares.
        process.stdout.write(
          `phone ${maskForLog(done.number)} (${done.number.region}) ${done.replaced ? 'replaced' : 'enrolled'} for ${done.identity.identityId}\n`,
        );
      }),
    );

  phone
    .command('remove <name>')
    .description("remove a user's enrolled number (a number in the directory is not touched)")
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, opts: Common) => {
        const r = await withPhones(opts, (svc) => svc.remove(name));
        if (!r.removed)
          throw new AppError(
            ErrorCodes.PHONE_NOT_FOUND,
            `no phone number is enrolled for ${name} (identity ${r.identityId}); phone list shows the enrolled ones`,
            { identity: r.identityId },
          );
        process.stdout.write(`phone number removed for ${r.identityId}\n`);
      }),
    );

  phone
    .command('list')
    .description('list enrolled numbers, masked (+49•••••••78) unless --full')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .option('--full', 'show the whole numbers (E.164)')
    .action(
      action(async (opts: Common & { json?: boolean; full?: boolean }) => {
        const rows = (await withPhones(opts, async (svc) => svc.list())).map((p) => ({
          identity: p.identityId,
          number: opts.full ? p.e164 : p.masked,
          country: p.region ?? null,
          created: new Date(p.createdAt).toISOString(),
        }));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${'IDENTITY'.padEnd(24)} ${'NUMBER'.padEnd(18)} ${'COUNTRY'.padEnd(8)} CREATED\n`,
        );
        for (const r of rows)
          process.stdout.write(
            `${r.identity.padEnd(24)} ${r.number.padEnd(18)} ${(r.country ?? '-').padEnd(8)} ${r.created}\n`,
          );
      }),
    );
}
