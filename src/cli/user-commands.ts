import type { Command } from 'commander';
import { hashPassword } from '../store/password-hash.js';
import { Store } from '../store/store.js';
import { isAppError } from '../shared/errors.js';
import { configFrom } from './config-option.js';
import { fail, prompt, readStdinLine } from './io.js';

interface Common {
  config?: string;
}

export function withStore<T>(opts: Common, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const { config } = configFrom(opts.config);
  const store = Store.open(config.data_dir);
  return Promise.resolve()
    .then(() => fn(store))
    .catch((e: unknown) => {
      if (isAppError(e)) fail(`${e.message} (${e.code})`);
      throw e;
    })
    .finally(() => store.close());
}

async function readNewPassword(fromStdin: boolean): Promise<Buffer> {
  let pw: string;
  if (fromStdin) pw = await readStdinLine();
  else {
    pw = await prompt('New password: ', true);
    const again = await prompt('Repeat password: ', true);
    if (pw !== again) fail('the passwords differ');
  }
  if (pw.length === 0) fail('empty password');
  // RFC 2865 §5.2: User-Password carries at most 128 octets.
  if (Buffer.byteLength(pw) > 128) fail('the password is longer than 128 bytes, which RADIUS cannot carry');
  return Buffer.from(pw, 'utf8');
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage users of the local user store (directory: local)');

  user
    .command('add <name>')
    .description('add a user with a password')
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--exempt', 'exempt this user from the second factor')
    .action(async (name: string, opts: Common & { passwordStdin?: boolean; exempt?: boolean }) => {
      const pw = await readNewPassword(opts.passwordStdin === true);
      const hash = await hashPassword(pw);
      await withStore(opts, (store) => store.users.add(name, hash, { mfaExempt: opts.exempt === true }));
      process.stdout.write(`user ${name} added${opts.exempt ? ' (exempt from the second factor)' : ''}\n`);
    });

  user
    .command('list')
    .description('list users, their enrolments and lockout state')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(async (opts: Common & { json?: boolean }) => {
      await withStore(opts, (store) => {
        const rows = store.users.list().map((u) => ({
          name: u.name,
          mfa_exempt: u.mfaExempt,
          tokens: store.tokens.listFor(u.name).length,
          created: new Date(u.createdAt).toISOString(),
        }));
        if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else {
          process.stdout.write(`${'NAME'.padEnd(24)} ${'EXEMPT'.padEnd(7)} TOKENS  CREATED\n`);
          for (const r of rows) {
            process.stdout.write(
              `${r.name.padEnd(24)} ${String(r.mfa_exempt ? 'yes' : 'no').padEnd(7)} ${String(r.tokens).padEnd(7)} ${r.created}\n`,
            );
          }
        }
      });
    });

  user
    .command('remove <name>')
    .description('remove a user and their enrolments')
    .option('--config <file>', 'config file')
    .action(async (name: string, opts: Common) => {
      await withStore(opts, (store) => {
        if (!store.users.remove(name)) fail(`no user named ${name}`);
        store.tokens.remove(name);
      });
      process.stdout.write(`user ${name} removed\n`);
    });

  user
    .command('passwd <name>')
    .description("set a user's password")
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (name: string, opts: Common & { passwordStdin?: boolean }) => {
      const pw = await readNewPassword(opts.passwordStdin === true);
      const hash = await hashPassword(pw);
      await withStore(opts, (store) => store.users.setPassword(name, hash));
      process.stdout.write(`password of ${name} changed\n`);
    });

  user
    .command('exempt <name> <on|off>')
    .description('exempt a user from the second factor, or not')
    .option('--config <file>', 'config file')
    .action(async (name: string, value: string, opts: Common) => {
      if (value !== 'on' && value !== 'off') fail('expected "on" or "off"');
      await withStore(opts, (store) => store.users.setExempt(name, value === 'on'));
      process.stdout.write(`${name}: second factor ${value === 'on' ? 'not required' : 'required'}\n`);
    });
}
