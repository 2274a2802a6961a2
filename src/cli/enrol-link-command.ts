import type { Command } from 'commander';
import { EnrolLinkService } from '../services/enrol-link-service.js';
import { createIdentityResolver } from '../services/identity-resolver.js';
import { cryptoRng, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { action } from './cli-action.js';
import { type Common, withStore } from './store-context.js';

/**
 * `enrol-link NAME [--ttl SEC]`: a one-time link that lets the user enrol a first method in the
 * portal without a second factor (issue 11). The URL is printed once and never stored (only a hash).
 */
export function registerEnrolLinkCommand(program: Command): void {
  program
    .command('enrol-link <name>')
    .description(
      'print a one-time link to the portal for a first enrolment (valid portal.link_ttl_sec, or --ttl seconds)',
    )
    .option('--config <file>', 'config file')
    .option('--ttl <seconds>', 'how long the link works, 60 to 2592000 seconds')
    .action(
      action(async (name: string, opts: Common & { ttl?: string }) => {
        let ttlSec: number | undefined;
        if (opts.ttl !== undefined) {
          if (!/^\d+$/.test(opts.ttl))
            throw new AppError(
              ErrorCodes.USAGE,
              `--ttl expects whole seconds, got ${JSON.stringify(opts.ttl)}`,
            );
          ttlSec = Number(opts.ttl);
        }
        const link = await withStore(opts, async (store, loaded) => {
          const resolver = createIdentityResolver(loaded.config, store);
          try {
            const svc = new EnrolLinkService({
              store,
              resolver,
              clock: systemClock,
              rng: cryptoRng,
              publicUrl: loaded.config.http?.public_url,
              portalEnabled: loaded.config.portal.enabled,
              defaultTtlSec: loaded.config.portal.link_ttl_sec,
              configFile: loaded.file,
            });
            const r = await svc.create(name, ttlSec !== undefined ? { ttlSec } : {});
            if (!r.ok) throw r.error;
            return r.value;
          } finally {
            await resolver.close();
          }
        });
        process.stdout.write(`${link.url}\n`);
        process.stderr.write(
          `one-time enrolment link for ${link.identityId}, valid until ${new Date(link.expiresAt).toISOString()}\n`,
        );
      }),
    );
}
