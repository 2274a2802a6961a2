/**
 * `application/x-www-form-urlencoded` (WHATWG URL §5) into a map: last value wins, bounded, so a
 * form with thousands of fields costs nothing. URLSearchParams is Node's own (not an undici global).
 */
const MAX_FIELDS = 64;

export function parseForm(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body)) {
    if (out.size >= MAX_FIELDS && !out.has(k)) break;
    out.set(k, v);
  }
  return out;
}

/** The query string as the route got it (with or without its leading `?`). */
export function queryParams(query: string): Map<string, string> {
  return parseForm(query.startsWith('?') ? query.slice(1) : query);
}
