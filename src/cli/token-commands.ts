import type { Command } from 'commander';
import QRCode from 'qrcode';
import { otpauthUri } from '../factors/otpauth.js';
import { base32Decode, base32Encode, generateTotpSecret } from '../factors/totp.js';
import { LockoutPolicy } from '../factors/lockout.js';
import { cryptoRng, systemClock } from '../shared/clock.js';
import { identityKey } from '../shared/identity-key.js';
import { configFrom } from './config-option.js';
import { fail } from './io.js';
import { withStore } from './user-commands.js';

interface Common {
  config?: string;
}

/** Enrolments follow the person: the identity id is the lower-cased login name. */
const identityOf = (name: string): string => identityKey(name);

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('manage TOTP enrolments (authenticator apps)');

  token
    .command('add <name>')
    .description(
      'enrol an authenticator app; without --secret a new secret is generated and shown as a QR code',
    )
    .option('--config <file>', 'config file')
    .option('--secret <base32>', 'an existing secret (base32), e.g. from a hardware token or a migration')
    .option('--label <text>', 'a label for this token, e.g. "phone"')
    .option('--no-qr', 'do not print the QR code')
    .action(async (name: string, opts: Common & { secret?: string; label?: string; qr: boolean }) => {
      const { config } = configFrom(opts.config);
      let secret: Buffer;
      if (opts.secret !== undefined) {
        const decoded = base32Decode(opts.secret);
        if (!decoded.ok) fail(`--secret: ${decoded.error}`);
        secret = decoded.value;
      } else {
        secret = generateTotpSecret(cryptoRng);
      }
      const info = await withStore(opts, (store) =>
        store.tokens.add(identityOf(name), { secret, label: opts.label }),
      );
      process.stdout.write(`token ${info.id} enrolled for ${name}\n`);
      if (opts.secret === undefined) {
        // The secret is shown once, to the admin enrolling the user; it is stored encrypted.
        const uri = otpauthUri({
          issuer: config.totp.issuer,
          account: name,
          secret,
          digits: config.totp.digits,
          period: config.totp.period,
          algorithm: 'sha1',
        });
        process.stdout.write(`secret (base32): ${base32Encode(secret)}\n${uri}\n`);
        if (opts.qr)
          process.stdout.write(`${await QRCode.toString(uri, { type: 'terminal', small: true })}\n`);
        process.stdout.write(
          'Scan the QR code with an authenticator app, then test a login with `mfa-radius-proxy radtest`.\n',
        );
      }
    });

  token
    .command('list [name]')
    .description('list enrolments (never the secrets) and lockout state')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, opts: Common & { json?: boolean }) => {
      await withStore(opts, (store) => {
        const tokens = name ? store.tokens.listFor(identityOf(name)) : store.tokens.listAll();
        const lockout = new LockoutPolicy({
          repo: store.lockouts,
          clock: systemClock,
          options: lockoutOptions(opts),
        });
        const rows = tokens.map((t) => {
          const lock = lockout.status(t.identityId);
          return {
            id: t.id,
            identity: t.identityId,
            label: t.label ?? '',
            created: new Date(t.createdAt).toISOString(),
            locked_until: lock.locked && lock.until ? new Date(lock.until).toISOString() : null,
          };
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else {
          process.stdout.write(
            `${'ID'.padEnd(5)} ${'IDENTITY'.padEnd(24)} ${'LABEL'.padEnd(12)} ${'CREATED'.padEnd(25)} LOCKED UNTIL\n`,
          );
          for (const r of rows) {
            process.stdout.write(
              `${String(r.id).padEnd(5)} ${r.identity.padEnd(24)} ${r.label.padEnd(12)} ${r.created.padEnd(25)} ${r.locked_until ?? '-'}\n`,
            );
          }
        }
      });
    });

  token
    .command('remove <name>')
    .description("remove a user's enrolments (all, or one with --id)")
    .option('--config <file>', 'config file')
    .option('--id <n>', 'only this token', (v) => Number.parseInt(v, 10))
    .action(async (name: string, opts: Common & { id?: number }) => {
      const n = await withStore(opts, (store) => store.tokens.remove(identityOf(name), opts.id));
      if (n === 0) fail(`no token found for ${name}`);
      process.stdout.write(`${n} token(s) removed for ${name}\n`);
    });

  token
    .command('reset <name>')
    .description('clear a lockout and the used-code memory of a user (after a clock fix or a support call)')
    .option('--config <file>', 'config file')
    .action(async (name: string, opts: Common) => {
      await withStore(opts, (store) => {
        store.tokens.resetSteps(identityOf(name));
        new LockoutPolicy({ repo: store.lockouts, clock: systemClock, options: lockoutOptions(opts) }).unlock(
          identityOf(name),
        );
      });
      process.stdout.write(`${name}: lockout cleared\n`);
    });

  program
    .command('lockouts')
    .description('list locked-out users')
    .option('--config <file>', 'config file')
    .action(async (opts: Common) => {
      await withStore(opts, (store) => {
        const lockout = new LockoutPolicy({
          repo: store.lockouts,
          clock: systemClock,
          options: lockoutOptions(opts),
        });
        const locked = lockout.listLocked();
        if (locked.length === 0) process.stdout.write('no user is locked out\n');
        for (const l of locked) {
          process.stdout.write(
            `${l.identityId}\tlocked until ${new Date(l.until).toISOString()}\t(${l.failures} failures)\n`,
          );
        }
      });
    });
}

function lockoutOptions(opts: Common): { maxFailures: number; windowSec: number; lockSec: number } {
  const { config } = configFrom(opts.config);
  return {
    maxFailures: config.lockout.max_failures,
    windowSec: config.lockout.window_sec,
    lockSec: config.lockout.lock_sec,
  };
}
