import { loadConfigFile } from '../config/load.js';
import { isAppError } from '../shared/errors.js';

/** `check-config`: exit 0 when valid; otherwise the file, the key and what is expected, and exit 2. */
export function checkConfigCommand(opts: { config: string }): void {
  try {
    const { config } = loadConfigFile(opts.config);
    process.stdout.write(
      `${opts.config}: OK — ${config.clients.length} client(s), ${config.listen.length} listener(s), directory ${config.directory.type}\n`,
    );
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stderr.write(`${e.message}\n(${e.code})\n`);
    process.exit(2);
  }
}
