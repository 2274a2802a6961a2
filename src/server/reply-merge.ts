import type { ReplyAttribute } from '../pipeline/types.js';
import { Attr } from '../radius/codes.js';

/**
 * The merge rule for reply attributes (issue 5):
 *   An upstream RADIUS server's attributes are passed through raw ({name: type number, value:
 *   Buffer}); group/policy attributes come from the config (by name, string or number values).
 *   For every attribute the policy sets, the upstream's attributes of the same wire kind — the type,
 *   or for Vendor-Specific the Vendor-Id and vendor type — are dropped; every other upstream
 *   attribute passes through unchanged and in its order, before the policy's attributes.
 * So a policy Filter-Id replaces NPS's Filter-Id(s), a policy Cisco-AVPair replaces NPS's
 * Cisco-AVPairs but keeps its Class and Framed-IP-Address.
 */
export function isPassThrough(a: ReplyAttribute): boolean {
  return typeof a.name === 'number' && Buffer.isBuffer(a.value);
}

/** The wire kind of a Vendor-Specific sub-attribute, as a number above 255. */
const vendorKey = (vendor: number, vendorType: number): number => 256 + vendor * 256 + vendorType;

/** Adds the wire kinds of a buffer of whole TLVs to `keys`. */
function addKeys(tlvs: Buffer, keys: Set<number>): void {
  let off = 0;
  while (off + 2 <= tlvs.length) {
    const type = tlvs[off]!;
    const len = tlvs[off + 1]!;
    if (len < 2) return;
    if (type === Attr.VendorSpecific && len >= 8)
      keys.add(vendorKey(tlvs.readUInt32BE(off + 2), tlvs[off + 6]!));
    else keys.add(type);
    off += len;
  }
}

/** True when a raw upstream attribute is overridden by one of `keys`. */
function overridden(a: ReplyAttribute, keys: ReadonlySet<number>): boolean {
  const type = a.name as number;
  const value = a.value as Buffer;
  if (type !== Attr.VendorSpecific) return keys.has(type);
  if (value.length < 6) return false;
  const vendor = value.readUInt32BE(0);
  // Every sub-attribute of the VSA (RFC 2865 §5.26): overriding any one drops the whole attribute.
  let off = 4;
  while (off + 2 <= value.length) {
    if (keys.has(vendorKey(vendor, value[off]!))) return true;
    const len = value[off + 1]!;
    if (len < 2) return false;
    off += len;
  }
  return false;
}

/** Applies the merge rule: the upstream attributes that survive, then the configured ones. */
export function mergeReply(
  passThrough: readonly ReplyAttribute[],
  configured: readonly Buffer[],
): ReplyAttribute[] {
  if (configured.length === 0) return [...passThrough];
  const keys = new Set<number>();
  for (const tlvs of configured) addKeys(tlvs, keys);
  return passThrough.filter((a) => !overridden(a, keys));
}
