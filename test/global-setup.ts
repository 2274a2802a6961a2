import { existsSync } from 'node:fs';

/** Integration tests run the compiled CLI (dist/), as an admin would; `npm test` builds it first. */
export default function setup(): void {
  if (!existsSync('dist/cli/main.js')) {
    process.stderr.write('note: dist/cli/main.js is missing; run `npm run build` before integration tests\n');
  }
}
