import { configWarnings } from '../config/config-warnings.js';
import { presetSummary } from '../config/gateway-presets.js';
import type { ClientConfig } from '../config/schema.js';
import { checkConfigPaths, formatPathProblems } from '../config/path-checks.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { cliConfig } from './config-option.js';

/** Prints each warning on stderr; they never change the exit code. */
export function printWarnings(lines: readonly string[]): void {
  for (const w of lines) process.stderr.write(`warning: ${w}\n`);
}

/**
 * `check-config`: exit 0 when `serve` would start with this config (the schema, and every file
 * and directory it names); otherwise the file, the key and the fix, and exit 2. Warnings (short
 * secrets, a config readable by others) are printed and do not fail.
 */
export function checkConfigCommand(opts: { config?: string }): void {
  const { loaded } = cliConfig(opts.config);
  const problems = checkConfigPaths(loaded.config);
  if (problems.length > 0)
    throw new AppError(
      ErrorCodes.CONFIG_PATH,
      `${loaded.file}: a path in the config cannot be used:\n${formatPathProblems(loaded.file, problems)}`,
      { file: loaded.file },
    );
  printWarnings(configWarnings(loaded));
  const { config } = loaded;
  process.stdout.write(
    `${loaded.file}: OK — ${config.clients.length} client(s), ${config.listen.length} listener(s), directory ${config.directory.type}, data_dir ${config.data_dir}\n`,
  );
  for (const line of presetLines(config.clients)) process.stdout.write(`${line}\n`);
}

/**
 * Issue 12: one line per client with a preset, so the effective values are discoverable:
 * `client fw1: preset fortigate: mfa_mode="challenge" nas_timeout=30 (explicit)`; "(explicit)"
 * marks a key the file sets to another value than the preset's.
 */
export function presetLines(clients: readonly Readonly<ClientConfig>[]): string[] {
  return clients
    .filter((c) => c.preset !== undefined)
    .map((c) => {
      const keys = presetSummary(c)
        .map((k) => `${k.key}=${JSON.stringify(k.value)}${k.overridden ? ' (explicit)' : ''}`)
        .join(' ');
      return `client ${c.name}: preset ${c.preset}: ${keys}`;
    });
}
