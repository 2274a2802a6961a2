import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { Attr } from './codes.js';
import { type DictAttribute, parseDictionary, type ValueType } from './dictionary-parser.js';
import { radiusLib } from './radius-lib.js';

export type { ValueType } from './dictionary-parser.js';

export interface AttributeInfo {
  /** The canonical (dictionary) spelling. */
  readonly name: string;
  /** The wire type: the standard number, or 26 (Vendor-Specific) for a vendor attribute. */
  readonly type: number;
  readonly vendor?: number;
  readonly vendorType?: number;
  readonly valueType: ValueType;
  /** RFC 2868 §3.1: the value may start with a tag octet. */
  readonly hasTag: boolean;
  /** 0 none, 1 RFC 2865 §5.2 (User-Password), 2 RFC 2868 §3.5 salted, 3 Ascend. */
  readonly encrypt: number;
}

interface Entry {
  readonly info: AttributeInfo;
  /** VALUE name (lower-cased) → number. */
  readonly valuesByName: Map<string, number>;
  readonly namesByValue: Map<number, string>;
}

interface Index {
  readonly byName: Map<string, Entry>;
  /** Key: `${vendor}:${code}`, vendor 0 for standard attributes. */
  readonly byCode: Map<string, Entry>;
  readonly vendorsById: Map<number, string>;
}

/** Our vendor dictionaries, next to this module in src/ and dist/ (scripts/copy-assets.mjs). */
export const OWN_DICTIONARY_DIR = fileURLToPath(new URL('./dictionaries/', import.meta.url));

/** The RFC dictionaries bundled with the `radius` package. */
function radiusPackageDictionaryDir(): string {
  const main = createRequire(import.meta.url).resolve('radius');
  return resolve(dirname(main), '..', 'dictionaries');
}

let index: Index | undefined;

const codeKey = (vendor: number | undefined, code: number): string => `${vendor ?? 0}:${code}`;

function readDirectory(dir: string, vendorIds: Map<string, number>, sink: (a: DictItem) => void): void {
  // Sorted like `radius` (readdirSync order), so later files override earlier ones the same way.
  for (const file of readdirSync(dir).sort()) readFile(join(dir, file), vendorIds, sink, new Set());
}

type DictItem =
  | { kind: 'attr'; attr: DictAttribute }
  | { kind: 'value'; attribute: string; vendor?: number; name: string; value: number }
  | { kind: 'vendor'; name: string; id: number };

function readFile(
  file: string,
  vendorIds: Map<string, number>,
  sink: (a: DictItem) => void,
  seen: Set<string>,
): void {
  if (seen.has(file)) return;
  seen.add(file);
  const parsed = parseDictionary(readFileSync(file, 'latin1'), vendorIds);
  for (const v of parsed.vendors) {
    vendorIds.set(v.name, v.id);
    sink({ kind: 'vendor', ...v });
  }
  for (const attr of parsed.attributes) sink({ kind: 'attr', attr });
  for (const v of parsed.values) sink({ kind: 'value', ...v });
  for (const inc of parsed.includes) readFile(join(dirname(file), inc), vendorIds, sink, seen);
}

function buildIndex(dirs: readonly string[]): Index {
  const idx: Index = { byName: new Map(), byCode: new Map(), vendorsById: new Map() };
  const pendingValues: { attribute: string; vendor?: number; name: string; value: number }[] = [];
  const vendorIds = new Map<string, number>();
  const sink = (item: DictItem): void => {
    if (item.kind === 'vendor') {
      idx.vendorsById.set(item.id, item.name);
    } else if (item.kind === 'value') {
      pendingValues.push(item);
    } else {
      const a = item.attr;
      const isVsa = a.vendor !== undefined;
      const info: AttributeInfo = {
        name: a.name,
        type: isVsa ? Attr.VendorSpecific : a.code,
        ...(isVsa ? { vendor: a.vendor, vendorType: a.code } : {}),
        valueType: a.valueType,
        hasTag: a.hasTag,
        encrypt: a.encrypt,
      };
      const entry: Entry = { info, valuesByName: new Map(), namesByValue: new Map() };
      idx.byName.set(a.name.toLowerCase(), entry);
      idx.byCode.set(codeKey(a.vendor, a.code), entry);
    }
  };
  for (const dir of dirs) readDirectory(dir, vendorIds, sink);
  // VALUE lines may precede their ATTRIBUTE (RFC dictionaries do), so attach them last.
  for (const v of pendingValues) {
    const entry = idx.byName.get(v.attribute.toLowerCase());
    if (!entry || entry.info.vendor !== v.vendor) continue;
    entry.valuesByName.set(v.name.toLowerCase(), v.value);
    if (!entry.namesByValue.has(v.value)) entry.namesByValue.set(v.value, v.name);
  }
  return idx;
}

/**
 * Loads the RFC dictionaries of the `radius` package and ours (src/radius/dictionaries) into both our
 * index and the `radius` package (which tests use as an oracle). Synchronous file reads, once; idempotent.
 * Call at startup: every lookup below loads on first use otherwise.
 */
export function loadDictionaries(): void {
  if (index !== undefined) return;
  try {
    const dirs = [radiusPackageDictionaryDir(), OWN_DICTIONARY_DIR];
    const built = buildIndex(dirs);
    // `radius` ignores add_dictionary after its first load, so start it from a clean state.
    radiusLib.unload_dictionaries();
    radiusLib.add_dictionary(OWN_DICTIONARY_DIR);
    radiusLib.load_dictionaries();
    index = built;
  } catch (cause) {
    throw new AppError(ErrorCodes.RADIUS_ENCODE, 'cannot load the RADIUS dictionaries', {}, { cause });
  }
}

function getIndex(): Index {
  if (index === undefined) loadDictionaries();
  return index!;
}

/** Looks an attribute up by its dictionary name, case-insensitively (as FreeRADIUS does). */
export function lookupAttribute(name: string): AttributeInfo | undefined {
  return getIndex().byName.get(name.toLowerCase())?.info;
}

/** The attribute at a standard type, or at a vendor type of a vendor. */
export function attributeInfo(type: number, vendor?: number): AttributeInfo | undefined {
  return getIndex().byCode.get(codeKey(vendor, type))?.info;
}

/** The dictionary name of a standard type, or of a vendor type of a vendor. */
export function attributeName(type: number, vendor?: number): string | undefined {
  return attributeInfo(type, vendor)?.name;
}

/** A named integer value (dictionary VALUE line), e.g. ('Service-Type', 'Framed-User') → 2. */
export function lookupValue(attribute: AttributeInfo, valueName: string): number | undefined {
  return getIndex().byName.get(attribute.name.toLowerCase())?.valuesByName.get(valueName.toLowerCase());
}

/** The VALUE name of an integer, e.g. ('Service-Type', 2) → 'Framed-User'. */
export function valueName(attribute: AttributeInfo, value: number): string | undefined {
  return getIndex().byName.get(attribute.name.toLowerCase())?.namesByValue.get(value);
}

/** The vendor's dictionary name, e.g. 311 → 'Microsoft'. */
export function vendorName(vendorId: number): string | undefined {
  return getIndex().vendorsById.get(vendorId);
}

/** Every attribute in the index, for tooling and tests. */
export function allAttributeInfos(): AttributeInfo[] {
  return [...new Set([...getIndex().byName.values()].map((e) => e.info))];
}
