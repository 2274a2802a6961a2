import type { Command } from 'commander';
import { otpauthUri } from '../factors/otpauth.js';
import { base32Encode, generateTotpSecret } from '../factors/totp.js';
import { cryptoRng } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { checkAdminName } from '../store/admin-repo.js';
import { hashPassword } from '../store/password-hash.js';
import { action } from './cli-action.js';
import { prompt, readStdinLine, usage } from './io.js';
import { writeQr } from './qr-output.js';
import { type Common, withStore } from './store-context.js';

/** Admin passwords guard every user's enrolments: longer than a VPN user's minimum. */
export const ADMIN_PASSWORD_MIN = 12;

async function readAdminPassword(fromStdin: boolean): Promise<Buffer> {
  let pw: string;
  if (fromStdin) pw = await readStdinLine();
  else {
    pw = await prompt('New admin password: ', true);
    const again = await prompt('Repeat password: ', true);
    if (pw !== again) usage('the passwords differ');
  }
  if (pw.length < ADMIN_PASSWORD_MIN)
    usage(`an admin password has at least ${ADMIN_PASSWORD_MIN} characters`);
  if (Buffer.byteLength(pw) > 1024) usage('the password is longer than 1024 bytes');
  return Buffer.from(pw, 'utf8');
}

/**
 * `admin add|list|remove|passwd`: accounts for the admin pages (src/web/admin/). TOTP is required,
 * so `admin add` makes the seed and shows it once, as `token add` does for a user.
 */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('manage accounts of the admin pages (password + TOTP)');

  admin
    .command('add <name>')
    .description(
      'add an admin: asks for a password, then shows the new TOTP secret once (QR code on a terminal)',
    )
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--no-qr', 'do not draw the QR code (it is drawn only when stdout is a terminal)')
    .action(
      action(async (name: string, opts: Common & { passwordStdin?: boolean; qr: boolean }) => {
        checkAdminName(name);
        const pw = await readAdminPassword(opts.passwordStdin === true);
        const hash = await hashPassword(pw);
        const secret = generateTotpSecret(cryptoRng);
        const issuer = await withStore(opts, (store, loaded) => {
          store.admins.add(name, hash, secret);
          return `${loaded.config.totp.issuer} admin`;
        });
        const uri = otpauthUri({ issuer, account: name, secret, digits: 6, period: 30, algorithm: 'sha1' });
        process.stdout.write(`admin ${name} added\nsecret (base32): ${base32Encode(secret)}\n${uri}\n`);
        if (opts.qr) await writeQr(uri);
      }),
    );

  admin
    .command('list')
    .description('list admin accounts (never a hash or a secret)')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: Common & { json?: boolean }) => {
        const rows = await withStore(opts, (store) =>
          store.admins.list().map((a) => ({ name: a.name, created: new Date(a.createdAt).toISOString() })),
        );
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0)
          process.stdout.write('no admin account (add one: mfa-radius-proxy admin add NAME)\n');
        for (const r of rows) process.stdout.write(`${r.name.padEnd(24)} ${r.created}\n`);
      }),
    );

  admin
    .command('remove <name>')
    .description('remove an admin account')
    .option('--config <file>', 'config file')
    .action(
      action(async (name: string, opts: Common) => {
        const removed = await withStore(opts, (store) => store.admins.remove(name));
        if (!removed) throw new AppError(ErrorCodes.ADMIN_NOT_FOUND, `no admin named '${name}'`, { name });
        process.stdout.write(`admin ${name} removed\n`);
      }),
    );

  admin
    .command('passwd <name>')
    .description("set an admin's password (the TOTP secret stays)")
    .option('--config <file>', 'config file')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(
      action(async (name: string, opts: Common & { passwordStdin?: boolean }) => {
        const pw = await readAdminPassword(opts.passwordStdin === true);
        const hash = await hashPassword(pw);
        await withStore(opts, (store) => store.admins.setPassword(name, hash));
        process.stdout.write(`password of admin ${name} changed\n`);
      }),
    );
}
