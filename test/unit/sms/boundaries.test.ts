import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** src/sms/ rules that a grep can hold: one library per adapter file, nothing that dies under --jitless. */
const dir = 'src/sms';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ f, text: readFileSync(join(dir, f), 'utf8') }));

describe('src/sms boundaries', () => {
  it("only smpp-provider.ts imports 'smpp'", () => {
    const importers = files.filter(({ text }) => /from 'smpp'/.test(text)).map(({ f }) => f);
    expect(importers).toEqual(['smpp-provider.ts']);
  });

  it('never touches fetch, Headers, Request, Response or FormData (they kill node --jitless)', () => {
    for (const { f, text } of files) {
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, f).not.toMatch(/\b(fetch|Headers|Request|Response|FormData)\b(?!\w)(?=\s*[(.;,)]|\s*$)/m);
    }
  });

  it('imports nothing from the pipeline or the server (dependencies point inward)', () => {
    for (const { f, text } of files) expect(text, f).not.toMatch(/from '\.\.\/(pipeline|server|radius)\//);
  });
});
