/**
 * CSV as Excel, Entra's download and PowerShell's Export-Csv write it (RFC 4180): comma-separated,
 * fields optionally in double quotes (a quote inside doubled, `""`), quoted fields may span lines,
 * CRLF or LF line ends, an optional UTF-8 BOM, a header row. Pure: text in, rows out; a bad row
 * is reported with its line number and parsing goes on at the next line.
 */

export type CsvRow =
  | { readonly line: number; readonly fields: readonly string[] }
  | { readonly line: number; readonly error: string };

export interface CsvParse {
  readonly rows: readonly CsvRow[];
}

/** Parses the whole text. Blank lines are skipped; `line` is the 1-based line a row starts on. */
export function parseCsv(text: string): CsvParse {
  const rows: CsvRow[] = [];
  // The BOM Excel and PowerShell 5 (Export-Csv -Encoding UTF8) put first is no part of the header.
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    // One record: fields until an unquoted line end or the end of the text.
    for (;;) {
      let value = '';
      if (s[i] === '"') {
        i++;
        let closed = false;
        while (i < s.length) {
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        if (!closed) {
          error = 'a quoted field is not closed (a " is missing)';
          break;
        }
        // RFC 4180 §2.7: after the closing quote only a comma or the line end may follow.
        if (i < s.length && s[i] !== ',' && s[i] !== '\r' && s[i] !== '\n') {
          error = 'text after a closing quote (a " inside a field must be doubled: "")';
          break;
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          if (s[i] === '"') {
            error = 'a " inside an unquoted field (quote the whole field and double the ")';
            break;
          }
          value += s[i];
          i++;
        }
        if (error) break;
      }
      fields.push(value);
      if (s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (error) {
      rows.push({ line: start, error });
      // Go on at the next line, so one bad row does not hide the rest.
      while (i < s.length && s[i] !== '\n') i++;
    }
    // The record's line end: CRLF, LF, or a lone CR (old Mac Excel).
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    line++;
    if (!error && !(fields.length === 1 && fields[0] === '')) rows.push({ line: start, fields });
  }
  return { rows };
}

/** A header cell compared with a column name: trimmed, case and inner spacing ignored. */
export function headerKey(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}
