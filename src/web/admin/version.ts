import { readFileSync } from 'node:fs';

/** The package's version, as `--version` prints it (package.json sits two levels above src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
