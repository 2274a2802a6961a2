import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AppError, ErrorCodes } from '../shared/errors.js';

/**
 * Reads a file a config key names (a `*_file` secret, a CA or certificate), once at start:
 * relative to the config file's directory; a failure names the config file, the key and the fix.
 */
export function readConfigFile(
  file: string,
  key: string,
  opts: { readonly configFile?: string; readonly baseDir?: string },
): string {
  const where = opts.configFile ? `${opts.configFile}: ` : '';
  const path = isAbsolute(file) ? file : resolve(opts.baseDir ?? process.cwd(), file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const fix =
      code === 'ENOENT'
        ? 'create the file or fix the path'
        : code === 'EACCES'
          ? 'let the service user read it'
          : String(e);
    throw new AppError(
      ErrorCodes.CONFIG_READ,
      `${where}${key}: cannot read ${path} (${code}): ${fix}`,
      { key, path },
      { cause: e },
    );
  }
}
