/**
 * Reads the subset of the FreeRADIUS dictionary format that the `radius` package understands
 * (lib/radius.js `_load_dictionary`): VENDOR, BEGIN-VENDOR/END-VENDOR, ATTRIBUTE, VALUE, $INCLUDE,
 * decimal numbers only. Lines `radius` would ignore are ignored here too, so both see the same data.
 * Pure: text in, records out.
 */

/** Value types as the dictionaries name them ('text' and 'time' are folded into 'string' and 'date'). */
export type ValueType =
  | 'string'
  | 'octets'
  | 'integer'
  | 'ipaddr'
  | 'date'
  | 'ipv6addr'
  | 'ipv6prefix'
  | 'ipv4prefix'
  | 'ifid'
  | 'integer64'
  | 'short'
  | 'byte'
  | 'signed'
  | 'ether';

const KNOWN_TYPES: ReadonlySet<string> = new Set<ValueType>([
  'string',
  'octets',
  'integer',
  'ipaddr',
  'date',
  'ipv6addr',
  'ipv6prefix',
  'ipv4prefix',
  'ifid',
  'integer64',
  'short',
  'byte',
  'signed',
  'ether',
]);

/** Maps a dictionary type word to ours; anything we cannot encode (tlv, abinary, ...) is raw octets. */
export function normaliseValueType(word: string): ValueType {
  const w = word.toLowerCase();
  if (w === 'text') return 'string';
  if (w === 'time') return 'date';
  return KNOWN_TYPES.has(w) ? (w as ValueType) : 'octets';
}

export interface DictVendor {
  readonly name: string;
  readonly id: number;
}

export interface DictAttribute {
  readonly name: string;
  /** The attribute number: the standard type, or the vendor type inside Vendor-Specific. */
  readonly code: number;
  readonly vendor?: number;
  readonly valueType: ValueType;
  /** RFC 2868 §3.1 tag octet. */
  readonly hasTag: boolean;
  /** encrypt=1: RFC 2865 §5.2; encrypt=2: RFC 2868 §3.5 salted; encrypt=3: Ascend. 0: none. */
  readonly encrypt: number;
}

export interface DictValue {
  readonly attribute: string;
  readonly vendor?: number;
  readonly name: string;
  readonly value: number;
}

export interface ParsedDictionary {
  readonly vendors: DictVendor[];
  readonly attributes: DictAttribute[];
  readonly values: DictValue[];
  readonly includes: string[];
}

const VENDOR_RE = /^\s*VENDOR\s+(\S+)\s+(\d+)/;
const BEGIN_VENDOR_RE = /^\s*BEGIN-VENDOR\s+(\S+)/;
const END_VENDOR_RE = /^\s*END-VENDOR/;
const ATTRIBUTE_RE = /^\s*(?:VENDORATTR\s+(\d+)|ATTRIBUTE)\s+(\S+)\s+(\d+)\s+(\S+)\s*(.+)?/;
const VALUE_RE = /^\s*(?:VENDOR)?VALUE\s+(\d+)?\s*(\S+)\s+(\S+)\s+(\d+)/;
const INCLUDE_RE = /^\s*\$INCLUDE\s+(\S+)/;

/** An ATTRIBUTE (or VENDORATTR) line: name, number, type and flags such as has_tag, encrypt=N. */
function attributeRecord(m: RegExpExecArray, blockVendor: number | undefined): DictAttribute {
  const flags = new Set((m[5] ?? '').replace(/\s+/g, '').split(','));
  const encryptFlag = [...flags].find((f) => f.startsWith('encrypt='));
  const vendor = m[1] !== undefined ? Number(m[1]) : blockVendor;
  return {
    name: m[2]!,
    code: Number(m[3]),
    ...(vendor !== undefined ? { vendor } : {}),
    valueType: normaliseValueType(m[4]!),
    hasTag: flags.has('has_tag'),
    encrypt: encryptFlag ? Number(encryptFlag.slice('encrypt='.length)) || 0 : 0,
  };
}

/**
 * `knownVendors` carries VENDOR lines seen in earlier files, so a BEGIN-VENDOR can refer to them.
 * An unknown BEGIN-VENDOR name leaves its attributes as standard ones, as `radius` does.
 */
export function parseDictionary(
  text: string,
  knownVendors: ReadonlyMap<string, number> = new Map(),
): ParsedDictionary {
  const out: ParsedDictionary = { vendors: [], attributes: [], values: [], includes: [] };
  const vendorIds = new Map(knownVendors);
  let vendor: number | undefined;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').replace(/\s+/g, ' ');
    const vendorLine = VENDOR_RE.exec(line);
    if (vendorLine) {
      const id = Number(vendorLine[2]);
      vendorIds.set(vendorLine[1]!, id);
      out.vendors.push({ name: vendorLine[1]!, id });
      continue;
    }
    const begin = BEGIN_VENDOR_RE.exec(line);
    if (begin) {
      vendor = vendorIds.get(begin[1]!);
      continue;
    }
    if (END_VENDOR_RE.test(line)) {
      vendor = undefined;
      continue;
    }
    const attr = ATTRIBUTE_RE.exec(line);
    if (attr) {
      out.attributes.push(attributeRecord(attr, vendor));
      continue;
    }
    const value = VALUE_RE.exec(line);
    if (value) {
      const valueVendor = value[1] !== undefined ? Number(value[1]) : vendor;
      out.values.push({
        attribute: value[2]!,
        ...(valueVendor !== undefined ? { vendor: valueVendor } : {}),
        name: value[3]!,
        value: Number(value[4]),
      });
      continue;
    }
    const include = INCLUDE_RE.exec(line);
    if (include) out.includes.push(include[1]!);
  }
  return out;
}
