#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { action, quietOnEpipe } from './cli-action.js';
import { checkConfigCommand } from './check-config-command.js';
import { registerDirectoryCommands } from './directory-command.js';
import { registerImportCommands } from './import-commands.js';
import { registerEnrolLinkCommand } from './enrol-link-command.js';
import { registerMethodCommands } from './method-commands.js';
import { registerPhoneCommands } from './phone-commands.js';
import { radtestCommand } from './radtest-command.js';
import { serveCommand } from './serve-command.js';
import { registerTokenCommands } from './token-commands.js';
import { registerUserCommands } from './user-commands.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

quietOnEpipe();

const CONFIG_HELP =
  'config file (default: $MFA_RADIUS_PROXY_CONFIG, then /etc/mfa-radius-proxy/config.yaml if it exists, then the embedded loopback-only default)';

const program = new Command()
  .name('mfa-radius-proxy')
  .description('A RADIUS proxy that adds a second factor (TOTP) to VPN and remote-access logins')
  .version(pkg.version);

program
  .command('serve')
  .description('run the RADIUS server in the foreground (JSON logs on stdout; SIGHUP reloads the config)')
  .option('--config <file>', CONFIG_HELP)
  .action(action(serveCommand));

program
  .command('check-config')
  .description('validate a config file and the paths it names; exit 0 when serve would start with it')
  .option('--config <file>', CONFIG_HELP)
  .action(action(checkConfigCommand));

registerUserCommands(program);
registerTokenCommands(program);
registerPhoneCommands(program);
registerMethodCommands(program);
registerDirectoryCommands(program);
registerImportCommands(program);
registerEnrolLinkCommand(program);
registerAdminCommands(program);

program
  .command('radtest <user>')
  .description('send an Access-Request (with Message-Authenticator) and follow a challenge, like a gateway')
  .option('--config <file>', 'config file (gives the server address and a client secret)')
  .option('--server <address>', 'server address (default: the first listen address)')
  .option('--port <n>', 'server port', (v) => Number.parseInt(v, 10))
  .option(
    '--secret <secret>',
    'shared secret (default: the client whose address matches the address radtest sends from)',
  )
  .option('--client <name>', 'take the secret from this client in the config')
  .option('--password-stdin', 'read the password from stdin')
  .option('--code <digits>', 'answer a challenge with this code instead of asking')
  .option('--timeout <seconds>', 'seconds to wait for each answer', (v) => Number.parseFloat(v), 10)
  .action(action(radtestCommand));

await program.parseAsync(process.argv);
