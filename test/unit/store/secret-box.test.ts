import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCodes } from '../../../src/shared/errors.js';
import { SecretBox } from '../../../src/store/secret-box.js';

const root = mkdtempSync(join(tmpdir(), 'secret-box-'));
let n = 0;
const freshDir = (): string => mkdtempSync(join(root, `${n++}-`));

afterAll(() => rmSync(root, { recursive: true, force: true }));

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('SecretBox', () => {
  it('round-trips with the same AAD, in versioned format with a fresh IV each time', () => {
    const box = SecretBox.openOrCreate(join(freshDir(), 'secret.key'));
    const secret = randomBytes(20);
    const a = box.seal(secret, 'totp:alice:1');
    const b = box.seal(secret, 'totp:alice:1');
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + 16 + 20);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(box.open(a, 'totp:alice:1').equals(secret)).toBe(true);
    expect(box.open(b, 'totp:alice:1').equals(secret)).toBe(true);
  });

  it('fails to open with another AAD (a blob moved to another row)', () => {
    const box = SecretBox.openOrCreate(join(freshDir(), 'secret.key'));
    const sealed = box.seal(Buffer.from('seed'), 'totp:alice:1');
    expect(thrown(() => box.open(sealed, 'totp:bob:1')).code).toBe(ErrorCodes.STORE);
    expect(thrown(() => box.open(sealed, 'totp:alice:2')).code).toBe(ErrorCodes.STORE);
  });

  it('fails to open when any byte is tampered with, or the blob is truncated', () => {
    const box = SecretBox.openOrCreate(join(freshDir(), 'secret.key'));
    const sealed = box.seal(randomBytes(20), 'aad');
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(() => box.open(bad, 'aad')).toThrow(AppError);
    }
    expect(() => box.open(sealed.subarray(0, 28), 'aad')).toThrow(AppError);
    expect(() => box.open(sealed.subarray(0, sealed.length - 1), 'aad')).toThrow(AppError);
  });

  it('fails to open with another key', () => {
    const sealed = SecretBox.openOrCreate(join(freshDir(), 'k')).seal(Buffer.from('x'), 'aad');
    const other = SecretBox.openOrCreate(join(freshDir(), 'k'));
    expect(() => other.open(sealed, 'aad')).toThrow(AppError);
  });

  it('creates a 32-byte key file with mode 0600 whatever the umask, leaving no temp file', () => {
    const dir = freshDir();
    const file = join(dir, 'secret.key');
    const old = process.umask(0);
    try {
      SecretBox.openOrCreate(file);
    } finally {
      process.umask(old);
    }
    const st = statSync(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(32);
    expect(readdirSync(dir)).toEqual(['secret.key']);
  });

  it('reopens the same key: data sealed before a restart still opens', () => {
    const file = join(freshDir(), 'secret.key');
    const sealed = SecretBox.openOrCreate(file).seal(Buffer.from('enrolment'), 'aad');
    expect(SecretBox.openOrCreate(file).open(sealed, 'aad').toString()).toBe('enrolment');
    expect(SecretBox.open(file).open(sealed, 'aad').toString()).toBe('enrolment');
  });

  it('refuses a key file readable by group/other, naming the file and the fix', () => {
    const file = join(freshDir(), 'secret.key');
    SecretBox.openOrCreate(file);
    chmodSync(file, 0o644);
    const e = thrown(() => SecretBox.openOrCreate(file));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toContain(file);
    expect(e.message).toContain(`chmod 600 ${file}`);
    expect(e.message).toContain('0644');
    chmodSync(file, 0o640);
    expect(thrown(() => SecretBox.open(file)).code).toBe(ErrorCodes.KEY_FILE);
  });

  it('refuses a key file of the wrong size', () => {
    const file = join(freshDir(), 'secret.key');
    writeFileSync(file, randomBytes(31), { mode: 0o600 });
    const e = thrown(() => SecretBox.openOrCreate(file));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/32 bytes, found 31/);
  });

  it('refuses a symlink in place of the key file', () => {
    const dir = freshDir();
    const real = join(dir, 'real.key');
    SecretBox.openOrCreate(real);
    symlinkSync(real, join(dir, 'secret.key'));
    expect(thrown(() => SecretBox.openOrCreate(join(dir, 'secret.key'))).code).toBe(ErrorCodes.KEY_FILE);
  });

  it('open() refuses a missing key file instead of creating a new one', () => {
    const file = join(freshDir(), 'secret.key');
    const e = thrown(() => SecretBox.open(file));
    expect(e.code).toBe(ErrorCodes.KEY_FILE);
    expect(e.message).toMatch(/restore it from backup/);
  });
});
