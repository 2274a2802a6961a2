/**
 * Just enough RFC 4514 DN handling to name groups and compare DNs: the value of the first RDN
 * (`CN=VPN\, Admins,OU=x` → `VPN, Admins`) and a comparison key that ignores case and the spaces
 * some servers put after commas.
 */

/** The value of the first RDN, unescaped (RFC 4514 §2.4); the whole string if it does not parse. */
export function firstRdnValue(dn: string): string {
  const eq = dn.indexOf('=');
  if (eq < 0) return dn;
  let out = '';
  for (let i = eq + 1; i < dn.length; i++) {
    const c = dn[i] as string;
    if (c === ',' || c === '+') break; // end of the first RDN (a multi-valued RDN keeps its first value)
    if (c !== '\\') {
      out += c;
      continue;
    }
    const hex = dn.slice(i + 1, i + 3);
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      // \XX hex pairs may encode UTF-8 bytes: collect the run and decode it together.
      const bytes: number[] = [];
      while (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(dn.slice(i + 1, i + 3), 16));
        i += 3;
      }
      i--;
      out += Buffer.from(bytes).toString('utf8');
    } else if (i + 1 < dn.length) {
      out += dn[++i];
    }
  }
  return out.trim();
}

/** A key for DN equality: lower case, no spaces around `,` `=` `+` (outside escapes). */
export function dnKey(dn: string): string {
  let out = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] as string;
    if (c === '\\' && i + 1 < dn.length) {
      out += c + (dn[++i] as string);
      continue;
    }
    if (c === ',' || c === '=' || c === '+') {
      out = out.trimEnd() + c;
      while (dn[i + 1] === ' ') i++;
      continue;
    }
    out += c;
  }
  return out.trim().toLowerCase();
}
