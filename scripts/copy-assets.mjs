// Copies non-TypeScript assets (RADIUS dictionaries, the web pages' CSS) next to the compiled code in dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [
  ['src/radius/dictionaries', 'dist/radius/dictionaries'],
  ['src/web/assets', 'dist/web/assets'],
];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
