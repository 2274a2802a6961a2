#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { checkConfigCommand } from './check-config-command.js';
import { registerDirectoryCommands } from './directory-command.js';
import { radtestCommand } from './radtest-command.js';
import { serveCommand } from './serve-command.js';
import { registerTokenCommands } from './token-commands.js';
import { registerUserCommands } from './user-commands.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('mfa-radius-proxy')
  .description('A RADIUS proxy that adds a second factor (TOTP) to VPN and remote-access logins')
  .version(pkg.version);

program
  .command('serve')
  .description('run the RADIUS server in the foreground (JSON logs on stdout; SIGHUP reloads the config)')
  .option('--config <file>', 'config file (default: the embedded loopback-only default)')
  .action(serveCommand);

program
  .command('check-config')
  .description('validate a config file; exit 0 when valid')
  .requiredOption('--config <file>', 'config file')
  .action(checkConfigCommand);

registerUserCommands(program);
registerTokenCommands(program);
registerDirectoryCommands(program);

program
  .command('radtest <user>')
  .description('send an Access-Request (with Message-Authenticator) and follow a challenge, like a gateway')
  .option('--config <file>', 'config file (gives the server address and a client secret)')
  .option('--server <address>', 'server address (default: the first listen address)')
  .option('--port <n>', 'server port', (v) => Number.parseInt(v, 10))
  .option('--secret <secret>', 'shared secret (default: the first client in the config)')
  .option('--client <name>', 'take the secret from this client in the config')
  .option('--password-stdin', 'read the password from stdin')
  .option('--code <digits>', 'answer a challenge with this code instead of asking')
  .option('--timeout <seconds>', 'seconds to wait for each answer', (v) => Number.parseFloat(v), 10)
  .action(radtestCommand);

await program.parseAsync(process.argv);
