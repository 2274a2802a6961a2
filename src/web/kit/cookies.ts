/**
 * Cookies (RFC 6265). Session cookies use the `__Host-` prefix (RFC 6265bis §4.1.3.2): Secure,
 * Path=/, no Domain, so no other host or path can set or shadow them; HttpOnly keeps them from
 * scripts, SameSite=Strict from other sites' forms.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const piece of header.split(';')) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const name = piece.slice(0, eq).trim();
    if (out.has(name)) continue; // the first is the most specific (RFC 6265 §5.4)
    out.set(name, piece.slice(eq + 1).trim());
    if (out.size >= 32) break;
  }
  return out;
}

export function setCookie(name: string, value: string, opts: { readonly maxAgeSec?: number } = {}): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name.replace(/^__Host-/, ''))) throw new Error(`bad cookie name ${name}`);
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error('cookie values are base64url here');
  const age = opts.maxAgeSec !== undefined ? `; Max-Age=${Math.floor(opts.maxAgeSec)}` : '';
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${age}`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}
