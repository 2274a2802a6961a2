import type { Command } from 'commander';
import { FACTOR_KINDS } from '../config/methods.js';
import { createIdentityResolver } from '../services/identity-resolver.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { action } from './cli-action.js';
import { type Common, withStore } from './store-context.js';

/** `method default NAME KIND|none`: the method offered first at this user's logins. */
export function registerMethodCommands(program: Command): void {
  const method = program.command('method').description("a user's own default second-factor method");
  method
    .command('default <name> <kind>')
    .description(`set the method offered first (${FACTOR_KINDS.join(', ')}), or "none" to clear it`)
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, kind: string, opts: Common) => {
        if (kind !== 'none' && !(FACTOR_KINDS as readonly string[]).includes(kind))
          throw new AppError(
            ErrorCodes.USAGE,
            `unknown method ${JSON.stringify(kind)}: expected ${FACTOR_KINDS.join(', ')} or none`,
          );
        await withStore(opts, async (store, loaded) => {
          const resolver = createIdentityResolver(loaded.config, store);
          try {
            const who = await resolver.resolve(name);
            if (!who.ok) throw who.error;
            const id = who.value.identityId;
            if (kind === 'none') store.methods.clear(id);
            else store.methods.setDefault(id, kind);
            process.stdout.write(
              kind === 'none' ? `no default method for ${id}\n` : `default method of ${id}: ${kind}\n`,
            );
          } finally {
            await resolver.close();
          }
        });
      }),
    );
}
