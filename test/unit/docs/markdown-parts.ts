/**
 * Just enough Markdown reading for the README catalogue test: sections by heading, table cells,
 * code spans, YAML blocks. Headings inside fenced code blocks are not headings.
 */

type Line = { text: string; inFence: boolean };

function lines(md: string): Line[] {
  let inFence = false;
  return md.split('\n').map((text) => {
    const fence = /^```/.test(text);
    const line = { text, inFence: inFence || fence };
    if (fence) inFence = !inFence;
    return line;
  });
}

function headingLevel(l: Line): number {
  if (l.inFence) return 0;
  const m = /^(#{1,6}) /.exec(l.text);
  return m ? m[1]!.length : 0;
}

/**
 * The text under `heading` (e.g. `## Audit log`), up to the next heading of the same or a higher
 * level (`withSubsections`) or of any level. Undefined when the README has no such heading.
 */
export function section(md: string, heading: string, withSubsections = true): string | undefined {
  const all = lines(md);
  const start = all.findIndex((l) => !l.inFence && l.text.trim() === heading);
  if (start < 0) return undefined;
  const level = headingLevel(all[start]!);
  const out: string[] = [];
  for (const l of all.slice(start + 1)) {
    const lv = headingLevel(l);
    if (lv > 0 && (!withSubsections || lv <= level)) break;
    out.push(l.text);
  }
  return out.join('\n');
}

/** Cells of a table row, split on unescaped `|` (a `\|` inside a cell stays part of it). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

export type Table = { header: string[]; rows: string[][] };

/** Every table in `text`: its header cells and its body rows' cells. */
export function tables(text: string): Table[] {
  const out: Table[] = [];
  let current: Table | undefined;
  for (const l of lines(text)) {
    const isRow = !l.inFence && /^\s*\|/.test(l.text);
    if (!isRow) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = { header: cells(l.text), rows: [] };
      out.push(current);
    } else if (!/^\s*\|[\s|:-]+\|\s*$/.test(l.text)) {
      current.rows.push(cells(l.text));
    }
  }
  return out;
}

/** The contents of the `code spans` in a piece of Markdown. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\\\|/g, '|'));
}

/** The first cell's code spans of every body row of every table in `text`. */
export function firstCellNames(text: string): string[] {
  return tables(text).flatMap((t) => t.rows.flatMap((r) => codeSpans(r[0] ?? '')));
}

export function yamlBlocks(md: string): string[] {
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}
