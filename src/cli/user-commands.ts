import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import { UserService } from '../services/user-service.js';
import { systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { hashPassword } from '../store/password-hash.js';
import { action } from './cli-action.js';
import { cliConfig } from './config-option.js';
import { prompt, readStdinLine, usage } from './io.js';
import { type Common, withStore } from './store-context.js';

interface WriteOpts extends Common {
  force?: boolean;
}

async function readNewPassword(fromStdin: boolean): Promise<Buffer> {
  let pw: string;
  if (fromStdin) pw = await readStdinLine();
  else {
    pw = await prompt('New password: ', true);
    const again = await prompt('Repeat password: ', true);
    if (pw !== again) usage('the passwords differ');
  }
  if (pw.length === 0) usage('empty password');
  // RFC 2865 §5.2: User-Password carries at most 128 octets.
  if (Buffer.byteLength(pw) > 128) usage('the password is longer than 128 bytes, which RADIUS cannot carry');
  return Buffer.from(pw, 'utf8');
}

/**
 * The local store is only read when `directory.type` is local: under LDAP or an upstream RADIUS
 * server a local user would never be used, so writing one is refused unless --force says it is meant
 * (e.g. preparing a switch to the local store).
 */
function requireLocal(loaded: LoadedConfig, opts: WriteOpts): void {
  const type = loaded.config.directory.type;
  if (type === 'local' || opts.force === true) return;
  throw new AppError(
    ErrorCodes.NOT_LOCAL_DIRECTORY,
    `${loaded.file}: directory.type is ${type}, so logins never use the local user store; manage users in the directory instead (or add --force to write to the local store anyway)`,
    { file: loaded.file },
  );
}

const FORCE = 'write to the local store even when directory.type is not local';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage users of the local user store (directory: local)');

  user
    .command('add <name>')
    .description('add a user with a password')
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--exempt', 'exempt this user from the second factor')
    .option('--force', FORCE)
    .action(
      action(async (name: string, opts: WriteOpts & { passwordStdin?: boolean; exempt?: boolean }) => {
        requireLocal(cliConfig(opts.config).loaded, opts);
        const pw = await readNewPassword(opts.passwordStdin === true);
        const hash = await hashPassword(pw);
        await withStore(opts, (store) => store.users.add(name, hash, { mfaExempt: opts.exempt === true }));
        process.stdout.write(`user ${name} added${opts.exempt ? ' (exempt from the second factor)' : ''}\n`);
      }),
    );

  user
    .command('list')
    .description('list users, their enrolments, exemption (per user or mfa.exempt_users) and lockout state')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: Common & { json?: boolean }) => {
        await withStore(opts, (store, loaded) => {
          const rows = new UserService({ config: loaded.config, store, clock: systemClock })
            .list()
            .map((u) => ({
              name: u.name,
              mfa_exempt: u.mfaExempt,
              exempt_by: u.exemptBy ?? null,
              tokens: u.tokens,
              created: new Date(u.createdAt).toISOString(),
              locked_until: u.lockedUntil === undefined ? null : new Date(u.lockedUntil).toISOString(),
            }));
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
            return;
          }
          process.stdout.write(
            `${'NAME'.padEnd(24)} ${'EXEMPT'.padEnd(13)} ${'TOKENS'.padEnd(7)} ${'CREATED'.padEnd(25)} LOCKED UNTIL\n`,
          );
          for (const r of rows) {
            const exempt = r.exempt_by === 'config' ? 'yes (config)' : r.mfa_exempt ? 'yes' : 'no';
            process.stdout.write(
              `${r.name.padEnd(24)} ${exempt.padEnd(13)} ${String(r.tokens).padEnd(7)} ${r.created.padEnd(25)} ${r.locked_until ?? '-'}\n`,
            );
          }
        });
      }),
    );

  user
    .command('remove <name>')
    .description('remove a user and their enrolments')
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, opts: Common) => {
        await withStore(opts, (store, loaded) =>
          new UserService({ config: loaded.config, store, clock: systemClock }).remove(name),
        );
        process.stdout.write(`user ${name} removed\n`);
      }),
    );

  user
    .command('passwd <name>')
    .description("set a user's password")
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--force', FORCE)
    .action(
      action(async (name: string, opts: WriteOpts & { passwordStdin?: boolean }) => {
        requireLocal(cliConfig(opts.config).loaded, opts);
        const pw = await readNewPassword(opts.passwordStdin === true);
        const hash = await hashPassword(pw);
        await withStore(opts, (store) => store.users.setPassword(name, hash));
        process.stdout.write(`password of ${name} changed\n`);
      }),
    );

  user
    .command('exempt <name> <on|off>')
    .description('exempt a user from the second factor, or not')
    .option('--config <file>', 'config file')
    .option('--force', FORCE)
    .action(
      action(async (name: string, value: string, opts: WriteOpts) => {
        if (value !== 'on' && value !== 'off') usage('expected "on" or "off"');
        requireLocal(cliConfig(opts.config).loaded, opts);
        await withStore(opts, (store) => store.users.setExempt(name, value === 'on'));
        process.stdout.write(`${name}: second factor ${value === 'on' ? 'not required' : 'required'}\n`);
      }),
    );
}
