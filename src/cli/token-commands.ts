import type { Command } from 'commander';
import { base32Decode, base32Encode } from '../factors/totp.js';
import { EnrolmentService, lockoutPolicy } from '../services/enrolment-service.js';
import { createIdentityResolver } from '../services/identity-resolver.js';
import { cryptoRng, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import type { LoadedConfig } from '../config/load.js';
import type { Store } from '../store/store.js';
import { action } from './cli-action.js';
import { usage } from './io.js';
import { writeQr } from './qr-output.js';
import { type Common, withStore } from './store-context.js';

/** Runs fn with an EnrolmentService over the configured directory; closes the directory afterwards. */
function withEnrolment<T>(
  opts: Common,
  fn: (svc: EnrolmentService, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  return withStore(opts, async (store: Store, loaded) => {
    const resolver = createIdentityResolver(loaded.config, store);
    try {
      return await fn(
        new EnrolmentService({ config: loaded.config, store, resolver, rng: cryptoRng, clock: systemClock }),
        loaded,
      );
    } finally {
      await resolver.close();
    }
  });
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage TOTP enrolments (authenticator apps)');

  token
    .command('add <name>')
    .description(
      'enrol an authenticator app for a user the directory knows; without --secret a new secret is generated and shown as a QR code',
    )
    .option('--config <file>', 'config file')
    .option('--secret <base32>', 'an existing secret (base32), e.g. from a hardware token or a migration')
    .option('--label <text>', 'a label for this token, e.g. "phone"')
    .option('--no-qr', 'do not draw the QR code (it is drawn only when stdout is a terminal)')
    .action(
      action(async (name: string, opts: Common & { secret?: string; label?: string; qr: boolean }) => {
        let secret: Buffer | undefined;
        if (opts.secret !== undefined) {
          const decoded = base32Decode(opts.secret);
          if (!decoded.ok) throw new AppError(ErrorCodes.TOKEN_SECRET_INVALID, `--secret: ${decoded.error}`);
          secret = decoded.value;
        }
        const done = await withEnrolment(opts, async (svc) => {
          const r = await svc.enrol(name, { secret, label: opts.label });
          if (!r.ok) throw r.error;
          return r.value;
        });
        if (done.identity.note) process.stderr.write(`note: ${done.identity.note}\n`);
        process.stdout.write(`token ${done.token.id} enrolled for ${done.identity.identityId}\n`);
        if (done.generated) {
          // The secret is shown once, to the admin enrolling the user; it is stored encrypted.
          process.stdout.write(
            `secret (base32): ${base32Encode(done.generated.secret)}\n${done.generated.uri}\n`,
          );
          if (opts.qr) await writeQr(done.generated.uri);
        }
      }),
    );

  token
    .command('list [name]')
    .description('list enrolments (never the secrets) and lockout state')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (name: string | undefined, opts: Common & { json?: boolean }) => {
        const tokens = await withEnrolment(opts, (svc) => svc.list(name));
        const rows = tokens.map((t) => ({
          id: t.id,
          identity: t.identityId,
          label: t.label ?? '',
          created: new Date(t.createdAt).toISOString(),
          locked_until: iso(t.lockedUntil),
        }));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${'ID'.padEnd(5)} ${'IDENTITY'.padEnd(24)} ${'LABEL'.padEnd(12)} ${'CREATED'.padEnd(25)} LOCKED UNTIL\n`,
        );
        for (const r of rows) {
          process.stdout.write(
            `${String(r.id).padEnd(5)} ${r.identity.padEnd(24)} ${r.label.padEnd(12)} ${r.created.padEnd(25)} ${r.locked_until ?? '-'}\n`,
          );
        }
      }),
    );

  token
    .command('remove <name>')
    .description("remove a user's enrolments (all, or one with --id)")
    .option('--config <file>', 'config file')
    .option('--id <n>', 'only this token', (v) => Number.parseInt(v, 10))
    .action(
      action(async (name: string, opts: Common & { id?: number }) => {
        if (opts.id !== undefined && !Number.isInteger(opts.id))
          usage('--id expects a token number (see token list)');
        const r = await withEnrolment(opts, (svc) => svc.remove(name, opts.id));
        if (r.removed === 0)
          throw new AppError(
            ErrorCodes.TOKEN_NOT_FOUND,
            `no token found for ${name} (identity ${r.identityId})`,
          );
        process.stdout.write(`${r.removed} token(s) removed for ${r.identityId}\n`);
      }),
    );

  token
    .command('reset <name>')
    .description('clear a lockout and the used-code memory of a user (after a clock fix or a support call)')
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, opts: Common) => {
        const id = await withEnrolment(opts, (svc) => svc.reset(name));
        process.stdout.write(`${id}: lockout cleared\n`);
      }),
    );

  program
    .command('lockouts')
    .description('list locked-out users')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: Common & { json?: boolean }) => {
        await withStore(opts, (store, loaded) => {
          const locked = lockoutPolicy(loaded.config, store, systemClock).listLocked();
          if (opts.json) {
            const rows = locked.map((l) => ({
              identity: l.identityId,
              locked_until: new Date(l.until).toISOString(),
              failures: l.failures,
            }));
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
            return;
          }
          if (locked.length === 0) process.stdout.write('no user is locked out\n');
          for (const l of locked) {
            process.stdout.write(
              `${l.identityId}\tlocked until ${new Date(l.until).toISOString()}\t(${l.failures} failures)\n`,
            );
          }
        });
      }),
    );
}
