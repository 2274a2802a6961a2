import { AppError, ErrorCodes } from '../shared/errors.js';
import { createInterface } from 'node:readline';

/** Reads one line from stdin: for `--password-stdin` and for piped answers. */
export async function readStdinLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) return line.replace(/\r$/, '');
    return '';
  } finally {
    rl.close();
  }
}

/** Asks on the terminal; with `hidden`, typed characters are not echoed. */
export async function prompt(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    process.stderr.write(question);
    return readStdinLine();
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    // readline echoes through _writeToOutput; swallow everything after the question.
    const r = rl as unknown as { _writeToOutput: (s: string) => void };
    let asked = false;
    r._writeToOutput = (s: string) => {
      if (!asked) {
        process.stderr.write(s);
        asked = true;
      }
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (hidden) process.stderr.write('\n');
    rl.close();
  }
}

/** A wrong option or argument: thrown, so the command wrapper prints `MFA_ERR_USAGE: …`. */
export function usage(message: string): never {
  throw new AppError(ErrorCodes.USAGE, message);
}

/** radtest's outcomes (no answer, a bad reply) with their own exit codes. */
export function fail(message: string, exitCode = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(exitCode);
}
