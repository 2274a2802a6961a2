import { Attr } from '../radius/codes.js';
import { attributeInfo, lookupAttribute } from '../radius/dictionary.js';
import { AppError, ErrorCodes } from '../shared/errors.js';

/**
 * Attributes the proxy must never pass from an upstream reply to the gateway:
 * - Message-Authenticator: signed with the upstream's secret; ours is added by buildResponse.
 * - Proxy-State: ours, stripped on the way back (RFC 2865 §5.33); the gateway's are echoed by buildResponse.
 * - State: the upstream's State stays with us; the gateway gets our own (RFC 2865 §5.24).
 * - EAP-Message: an EAP conversation cannot be split across our challenge round.
 * - User-Password, CHAP-Password, and every attribute encrypted with the upstream's secret and
 *   Request Authenticator (Tunnel-Password, MS-MPPE-Send/Recv-Key, ...: dictionary `encrypt=`):
 *   byte-exact they would be garbage to the gateway, and re-encrypting them is out of scope.
 */
export const NEVER_FROM_UPSTREAM: ReadonlySet<number> = new Set([
  Attr.UserPassword,
  Attr.ChapPassword,
  Attr.State,
  Attr.ProxyState,
  Attr.EapMessage,
  Attr.MessageAuthenticator,
]);

/**
 * Attributes of the gateway's Access-Request that are not copied upstream: the upstream request
 * gets its own User-Name, User-Password (hidden with its secret), State, Proxy-State and
 * Message-Authenticator; CHAP and EAP cannot be proxied through a PAP second-factor flow.
 */
export const NEVER_TO_UPSTREAM: ReadonlySet<number> = new Set([
  Attr.UserName,
  Attr.UserPassword,
  Attr.ChapPassword,
  Attr.State,
  Attr.ProxyState,
  Attr.ChapChallenge,
  Attr.EapMessage,
  Attr.MessageAuthenticator,
]);

const DROP = 0;
const KEEP = 1;
const VSA = 2;

/**
 * An allow-list over wire attributes: 'all' (minus a fixed never-set and anything encrypted) or a
 * list of names / numbers resolved against the dictionary once, at construction. A vendor attribute
 * name allows that vendor attribute; 'Vendor-Specific' (26) allows all of them. Per attribute the
 * check is a table lookup; Vendor-Specific values are walked (RFC 2865 §5.26) to find their
 * sub-attributes.
 */
export class AttributeSelector {
  private readonly verdict = new Uint8Array(256);
  private readonly allVendors: boolean;
  private readonly vendorKeys = new Set<string>();

  constructor(spec: 'all' | readonly (string | number)[], never: ReadonlySet<number>, what: string) {
    const listed = new Set<number>();
    if (spec !== 'all') {
      for (const ref of spec) {
        if (typeof ref === 'number') {
          listed.add(ref);
          continue;
        }
        const info = lookupAttribute(ref);
        if (info === undefined) {
          throw new AppError(ErrorCodes.CONFIG_INVALID, `${what}: unknown RADIUS attribute "${ref}"`, {
            attribute: ref,
          });
        }
        if (info.vendor === undefined) listed.add(info.type);
        else this.vendorKeys.add(`${info.vendor}:${info.vendorType}`);
      }
    }
    this.allVendors = spec === 'all' || listed.has(Attr.VendorSpecific);
    for (let t = 1; t < 256; t++) {
      if (never.has(t) || (attributeInfo(t)?.encrypt ?? 0) !== 0) this.verdict[t] = DROP;
      else if (t === Attr.VendorSpecific) this.verdict[t] = VSA;
      else this.verdict[t] = spec === 'all' || listed.has(t) ? KEEP : DROP;
    }
  }

  allows(type: number, value: Buffer): boolean {
    const v = this.verdict[type];
    if (v === KEEP) return true;
    if (v === DROP) return false;
    return this.vendorAllowed(value);
  }

  private vendorAllowed(value: Buffer): boolean {
    if (value.length < 6) return this.allVendors;
    const vendor = value.readUInt32BE(0);
    let off = 4;
    let wellFormed = true;
    while (off < value.length) {
      const vendorType = value[off]!;
      const len = value[off + 1];
      if (len === undefined || len < 2 || off + len > value.length) {
        wellFormed = false;
        break;
      }
      // Encrypted with the upstream's secret (e.g. MS-MPPE-Send-Key, RFC 2548 §2.4.2): never passed on.
      if ((attributeInfo(vendorType, vendor)?.encrypt ?? 0) !== 0) return false;
      if (!this.allVendors && !this.vendorKeys.has(`${vendor}:${vendorType}`)) return false;
      off += len;
    }
    // A vendor layout we cannot walk (non-RFC 2865 §5.26 format) passes only under a blanket allow.
    return wellFormed || this.allVendors;
  }
}
