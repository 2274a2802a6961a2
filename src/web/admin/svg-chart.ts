/**
 * Charts for the admin pages, drawn on the server as inline SVG: no script, no CDN, and nothing the
 * CSP forbids (it refuses `style=""` attributes, so every colour and size is a presentation
 * attribute such as `fill=` or `stroke=`, which CSP does not govern). Each chart has a <title> and
 * a text fallback for screen readers; the viewBox scales it to a phone's width.
 */

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

/** XML text and attribute escaping (labels come from the config and from traffic). */
export function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly series: readonly LineSeries[];
  /** Labels under the x axis at value indexes. */
  readonly xLabels: ReadonlyArray<{ readonly index: number; readonly text: string }>;
  readonly width?: number;
  readonly height?: number;
  /** Added to `chart` (the admin CSS shows a wide or a narrow drawing by viewport). */
  readonly className?: string;
}

/** One polyline per series over a shared y axis from 0. */
export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 240;
  const left = 44;
  const right = 12;
  const top = 28;
  const bottom = 28;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const n = Math.max(1, ...o.series.map((s) => s.values.length));
  const max = niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const x = (i: number): number => left + (n === 1 ? 0 : (i * pw) / (n - 1));
  const y = (v: number): number => top + ph - (v / max) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart${o.className ? ` ${xml(o.className)}` : ''}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xml(o.title)}" font-family="${FONT}" font-size="12">`,
    `<title>${xml(o.title)}</title>`,
  );
  for (const t of [0, max / 2, max]) {
    const yy = y(t).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#57606a">${num(t)}</text>`,
    );
  }
  for (const l of o.xLabels) {
    const xx = x(l.index).toFixed(1);
    const anchor = l.index === 0 ? 'start' : l.index >= n - 1 ? 'end' : 'middle';
    parts.push(`<text x="${xx}" y="${H - 8}" text-anchor="${anchor}" fill="#57606a">${xml(l.text)}</text>`);
  }
  for (const s of o.series) {
    if (s.values.length === 0) continue;
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${xml(s.color)}" stroke-width="2" stroke-linejoin="round" points="${pts}"><title>${xml(s.name)}</title></polyline>`,
    );
  }
  // Legend along the top.
  let lx = left;
  for (const s of o.series) {
    const total = s.values.reduce((a, b) => a + b, 0);
    const label = `${s.name} (${total})`;
    parts.push(
      `<rect x="${lx}" y="8" width="10" height="10" rx="2" fill="${xml(s.color)}"/>`,
      `<text x="${lx + 14}" y="17" fill="#24292f">${xml(label)}</text>`,
    );
    lx += 24 + label.length * 7;
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color?: string;
  /** Shown after the bar instead of the value. */
  readonly text?: string;
}

/** Horizontal bars, one row each (long labels read well on a phone). */
export function barChart(o: {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly width?: number;
  readonly color?: string;
  /** What an empty chart says. */
  readonly empty?: string;
}): string {
  const W = o.width ?? 440;
  const row = 26;
  // About 8 px per character at 13 px: long reason codes keep their first letters.
  const labelW = Math.min(200, Math.max(60, ...o.bars.map((b) => b.label.length * 8 + 10)));
  const valueW = 76;
  const H = Math.max(1, o.bars.length) * row + 12;
  const max = Math.max(0, ...o.bars.map((b) => b.value));
  const pw = W - labelW - valueW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xml(o.title)}" font-family="${FONT}" font-size="13">`,
    `<title>${xml(o.title)}</title>`,
  ];
  if (o.bars.length === 0)
    parts.push(`<text x="8" y="22" fill="#57606a">${xml(o.empty ?? 'nothing yet')}</text>`);
  o.bars.forEach((b, i) => {
    const yy = 6 + i * row;
    const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, (b.value / max) * pw) : 0;
    parts.push(
      `<text x="${labelW - 8}" y="${yy + 13}" text-anchor="end" dominant-baseline="middle" fill="#24292f">${xml(b.label)}</text>`,
      `<rect x="${labelW}" y="${yy + 3}" width="${w.toFixed(1)}" height="${row - 8}" rx="3" fill="${xml(b.color ?? o.color ?? '#0969da')}"><title>${xml(`${b.label}: ${b.text ?? num(b.value)}`)}</title></rect>`,
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${yy + 13}" dominant-baseline="middle" fill="#57606a">${xml(b.text ?? num(b.value))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export const RESULT_COLORS = { accept: '#1a7f37', reject: '#cf222e', challenge: '#9a6700' } as const;
