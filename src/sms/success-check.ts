import { getJsonPath, type JsonPath } from './json-path.js';

/**
 * Whether a provider's answer means "sent". A status code alone is not enough: Vonage answers
 * HTTP 200 with `messages[0].status != "0"` for a failure, so a body check can be added.
 */
export interface JsonCheck {
  readonly path: JsonPath;
  /** The path as written in the config, for the detail. */
  readonly pathText: string;
  /** Compared as text: "0" and 0 are equal. Without it, the path must hold a non-empty value. */
  readonly equals?: string | number | boolean;
}

export interface SuccessRule {
  readonly status: readonly number[];
  readonly bodyRegex?: RegExp;
  readonly json?: JsonCheck;
  /** Where the provider's message id is (for logs and delivery receipts). */
  readonly messageIdPath?: JsonPath;
  /** Where the provider's error text is, quoted in the detail of a failure. */
  readonly errorPath?: JsonPath;
}

export type Verdict =
  | { readonly ok: true; readonly messageId?: string }
  | { readonly ok: false; readonly reason: 'http_status' | 'body_mismatch'; readonly detail: string };

const isPrimitive = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A short quote of a value from the provider (the caller scrubs the phone number out of it). */
const quote = (v: unknown): string => {
  if (v === undefined) return 'missing';
  const s = isPrimitive(v) ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : typeof v;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}

export function judge(rule: SuccessRule, status: number, body: string): Verdict {
  const needsJson =
    rule.json !== undefined || rule.messageIdPath !== undefined || rule.errorPath !== undefined;
  const parsed = needsJson ? parseJson(body) : { ok: false as const };
  const errorText = (): string => {
    if (!rule.errorPath || !parsed.ok) return '';
    const e = getJsonPath(parsed.value, rule.errorPath);
    return isPrimitive(e) ? ` (provider says ${quote(String(e))})` : '';
  };
  if (!rule.status.includes(status)) {
    return {
      ok: false,
      reason: 'http_status',
      detail: `HTTP ${status}, expected ${rule.status.join('/')}${errorText()}`,
    };
  }
  if (rule.bodyRegex && !rule.bodyRegex.test(body)) {
    return { ok: false, reason: 'body_mismatch', detail: `HTTP ${status}, body does not match body_regex` };
  }
  if (rule.json) {
    if (!parsed.ok) return { ok: false, reason: 'body_mismatch', detail: `HTTP ${status}, body is not JSON` };
    const actual = getJsonPath(parsed.value, rule.json.path);
    const good =
      rule.json.equals === undefined
        ? actual !== undefined && actual !== null && actual !== ''
        : isPrimitive(actual) && String(actual) === String(rule.json.equals);
    if (!good) {
      const want = rule.json.equals === undefined ? 'a value' : quote(rule.json.equals);
      return {
        ok: false,
        reason: 'body_mismatch',
        detail: `HTTP ${status}, ${rule.json.pathText} is ${quote(actual)}, expected ${want}${errorText()}`,
      };
    }
  }
  if (rule.messageIdPath && parsed.ok) {
    const id = getJsonPath(parsed.value, rule.messageIdPath);
    if (isPrimitive(id) && String(id) !== '') return { ok: true, messageId: String(id).slice(0, 100) };
  }
  return { ok: true };
}
