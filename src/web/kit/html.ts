/**
 * HTML by tagged template: every interpolated value is escaped unless it is already `SafeHtml`
 * (another template's result, or `raw()` for markup the code itself wrote). So a user name, a token
 * label or a Reply-Message can never become markup on an admin's page.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESC: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESC[c] ?? c);
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function part(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return (v as readonly Part[]).map(part).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Markup the code wrote itself (an SVG chart, a data: URL already checked). Never user input. */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

export function render(h: SafeHtml): string {
  return h.value;
}
