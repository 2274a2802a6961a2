/**
 * A tiny path into a JSON answer: `sid`, `messages[0].status`, `[0].id`, `data.items[2].state`.
 * Enough for the success check and the message id; no wildcards, no filters.
 */
export type JsonPath = ReadonlyArray<string | number>;

const SEGMENT = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\])/;

/** undefined when the path is not valid syntax. */
export function parseJsonPath(path: string): JsonPath | undefined {
  const out: Array<string | number> = [];
  let rest = path.trim();
  if (rest === '') return undefined;
  let first = true;
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m || (first && rest.startsWith('.'))) return undefined;
    out.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
    first = false;
  }
  return out;
}

export function getJsonPath(value: unknown, path: JsonPath): unknown {
  let cur: unknown = value;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return cur;
}
