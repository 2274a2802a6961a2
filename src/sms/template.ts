/**
 * `{phone}`, `{phone_digits}`, `{message}` and `{secret}` in a provider's URL, headers and body.
 * Each value is encoded for where it lands, so a message with `&`, `"` or a newline can neither
 * break the request nor inject a field: URL-encoded in forms and URLs (per component), JSON-escaped
 * in JSON, CR/LF removed in headers (RFC 9110 §5.5: a field value has no line breaks).
 * Any other `{...}` is left as it is (JSON templates are full of braces).
 */

export const PLACEHOLDERS = ['phone', 'phone_digits', 'message', 'secret'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Readonly<Record<Placeholder, string>>;
export type Encoding = 'url' | 'form' | 'json' | 'header' | 'none';

const PATTERN = /\{(phone|phone_digits|message|secret)\}/g;

function encode(value: string, how: Encoding): string {
  switch (how) {
    case 'url':
      return encodeURIComponent(value);
    case 'form':
      return encodeForm(value);
    case 'json':
      return JSON.stringify(value).slice(1, -1);
    case 'header':
      return value.replace(/[\r\n]+/g, ' ');
    case 'none':
      return value;
  }
}

/** application/x-www-form-urlencoded (WHATWG URL §5.2): space as '+', the rest percent-encoded. */
export function encodeForm(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export function substitute(template: string, values: TemplateValues, how: Encoding): string {
  return template.replace(PATTERN, (_, name: Placeholder) => encode(values[name], how));
}

/** Which placeholders a template uses (config checks: `{secret}` needs a secret). */
export function placeholdersIn(template: string): Placeholder[] {
  return [...template.matchAll(PATTERN)].map((m) => m[1] as Placeholder);
}

/**
 * A URL template: placeholders only after the authority, so a message can never change the host.
 * Path and query values are encoded as one component each (`/` and `&` inside a value are escaped).
 */
export function substituteUrl(template: string, values: TemplateValues): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)(.*)$/i.exec(template);
  if (!m) return substitute(template, values, 'url');
  return m[1]! + substitute(m[2]!, values, 'url');
}

/** True when a placeholder sits in the scheme or host part (rejected by the config check). */
export function urlHostHasPlaceholder(template: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(template);
  return m ? placeholdersIn(m[1]!).length > 0 : false;
}

/**
 * A JSON body given as a structure (YAML object): placeholders inside string values are replaced
 * and the whole is serialised, so escaping is JSON.stringify's. Keys are not templated.
 */
export function substituteJsonValue(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return substitute(value, values, 'none');
  if (Array.isArray(value)) return value.map((v) => substituteJsonValue(v, values));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteJsonValue(v, values);
    return out;
  }
  return value;
}
