import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { type Rng, cryptoRng } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';

const KEY_BYTES = 32; // AES-256
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit random IVs
const TAG_BYTES = 16;
const VERSION = 1;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * AES-256-GCM for secrets at rest (TOTP seeds). Sealed format, version 1:
 *   1 byte version | 12 bytes IV | 16 bytes tag | ciphertext
 * The AAD names the row a secret belongs to, so a sealed blob copied into another row (another
 * user, another token) fails to open instead of silently granting that user the other's seed.
 */
export class SecretBox {
  private constructor(private readonly key: KeyObject) {}

  /** Opens the key file, creating it (32 random bytes, mode 0600) if it does not exist. */
  static openOrCreate(keyFile: string, rng: Rng = cryptoRng): SecretBox {
    const existing = readKeyFile(keyFile, false);
    if (existing) return new SecretBox(existing);
    createKeyFile(keyFile, rng.bytes(KEY_BYTES));
    // Re-read rather than trust our buffer: another process may have won the creation race.
    return new SecretBox(readKeyFile(keyFile, true)!);
  }

  /** Opens an existing key file; used when the database already holds data sealed with it. */
  static open(keyFile: string): SecretBox {
    return new SecretBox(readKeyFile(keyFile, true)!);
  }

  seal(plaintext: Buffer, aad: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ct]);
  }

  /** Throws AppError STORE if the blob was tampered with, belongs to another row, or the key is wrong. */
  open(sealed: Buffer, aad: string): Buffer {
    if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) {
      throw new AppError(ErrorCodes.STORE, 'sealed secret has an unknown format', { aad });
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    // authTagLength pins the tag size: without it Node would accept a truncated tag.
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new AppError(
        ErrorCodes.STORE,
        'sealed secret failed authentication (wrong key file, tampered data or a row mismatch)',
        { aad },
        { cause },
      );
    }
  }
}

function keyFileError(keyFile: string, message: string, cause?: unknown): AppError {
  return new AppError(ErrorCodes.KEY_FILE, `${keyFile}: ${message}`, { keyFile }, { cause });
}

/** Reads and checks the key file; undefined if it does not exist and `mustExist` is false. */
function readKeyFile(keyFile: string, mustExist: boolean): KeyObject | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: refuse a symlink planted in place of the key.
    fd = openSync(keyFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return undefined;
    const hint =
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'key file is missing but the database holds data sealed with it; restore it from backup'
        : 'cannot open key file';
    throw keyFileError(keyFile, hint, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw keyFileError(keyFile, 'key file is not a regular file');
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw keyFileError(
        keyFile,
        `key file is accessible by group/other (mode ${mode}); fix with: chmod 600 ${keyFile}`,
      );
    }
    if (st.size !== KEY_BYTES) {
      throw keyFileError(
        keyFile,
        `key file must hold exactly ${KEY_BYTES} bytes, found ${st.size}; it is damaged or not a key file`,
      );
    }
    const buf = Buffer.alloc(KEY_BYTES);
    let off = 0;
    while (off < KEY_BYTES) {
      const n = readSync(fd, buf, off, KEY_BYTES - off, off);
      if (n === 0) throw keyFileError(keyFile, 'key file is shorter than its size says');
      off += n;
    }
    const key = createSecretKey(buf);
    buf.fill(0);
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the key atomically: write a private temp file, fsync it, then link(2) it into place.
 * link fails with EEXIST instead of overwriting, so two processes starting together (serve and
 * the CLI) can never end up with different keys; the loser just reads the winner's file.
 */
function createKeyFile(keyFile: string, key: Buffer): void {
  const tmp = `${keyFile}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    fchmodSync(fd, 0o600); // independent of the umask
    let off = 0;
    while (off < key.length) off += writeSync(fd, key, off, key.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw keyFileError(keyFile, 'cannot write key file', e);
  } finally {
    key.fill(0);
  }
  closeSync(fd);
  try {
    linkSync(tmp, keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      unlinkSync(tmp);
      throw keyFileError(keyFile, 'cannot create key file', e);
    }
  }
  unlinkSync(tmp);
  fsyncDir(dirname(keyFile));
}

/** Makes the new directory entry durable across a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
