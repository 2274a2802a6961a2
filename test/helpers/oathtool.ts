import { execFileSync } from 'node:child_process';
import { registerSensitive } from './sensitive.js';

/** A TOTP code computed by oathtool, an implementation independent of ours. */
export function oathCode(base32: string, atMs: number = Date.now()): string {
  const when = new Date(atMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const code = execFileSync('oathtool', ['--totp', '-b', base32, '--now', when], { encoding: 'utf8' }).trim();
  registerSensitive(code);
  return code;
}
