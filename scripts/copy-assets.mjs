// Copies non-TypeScript assets (RADIUS dictionaries) next to the compiled code in dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [['src/radius/dictionaries', 'dist/radius/dictionaries']];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
