import { describe, expect, it } from 'vitest';
import { headerKey, parseCsv } from '../../../src/services/import-csv.js';

describe('CSV parser (RFC 4180, as Excel, Entra and Export-Csv write it)', () => {
  it.each([
    [
      'plain',
      'a,b,c\n1,2,3\n',
      [
        { line: 1, fields: ['a', 'b', 'c'] },
        { line: 2, fields: ['1', '2', '3'] },
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'lone CR (old Mac Excel)',
      'a,b\r1,2',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'no final line end',
      'a,b\n1,2',
      [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ],
    ],
    [
      'UTF-8 BOM before the header',
      '\u{feff}upn,serial\nx,1\n',
      [
        { line: 1, fields: ['upn', 'serial'] },
        { line: 2, fields: ['x', '1'] },
      ],
    ],
    ['quoted fields with commas', '"a,b",c\n', [{ line: 1, fields: ['a,b', 'c'] }]],
    ['doubled quotes inside quotes', '"say ""hi""",x\n', [{ line: 1, fields: ['say "hi"', 'x'] }]],
    ['an empty quoted field', '"",x\n', [{ line: 1, fields: ['', 'x'] }]],
    ['empty fields', 'a,,c,\n', [{ line: 1, fields: ['a', '', 'c', ''] }]],
    [
      'a quoted line break: the next row keeps its own line number',
      '"two\nlines",x\nnext,y\n',
      [
        { line: 1, fields: ['two\nlines', 'x'] },
        { line: 3, fields: ['next', 'y'] },
      ],
    ],
    [
      'blank lines are skipped',
      'a\n\n\r\nb\n',
      [
        { line: 1, fields: ['a'] },
        { line: 4, fields: ['b'] },
      ],
    ],
    ['spaces are kept (the importer trims)', ' a , b \n', [{ line: 1, fields: [' a ', ' b '] }]],
    ['non-ASCII', 'jürgen@example.de,☃\n', [{ line: 1, fields: ['jürgen@example.de', '☃'] }]],
  ])('%s', (_name, text, rows) => {
    expect(parseCsv(text).rows).toEqual(rows);
  });

  it.each([
    ['an unclosed quote', 'a,b\n"open,x\n', 2, /not closed/],
    ['text after a closing quote', 'a\n"x"y,z\nok\n', 2, /after a closing quote/],
    ['a quote inside an unquoted field', 'a\nx"y,z\nok\n', 2, /inside an unquoted field/],
  ])('a bad row (%s) is reported with its line, and parsing goes on', (_name, text, line, why) => {
    const rows = parseCsv(text).rows;
    const bad = rows.find((r) => 'error' in r);
    expect(bad?.line).toBe(line);
    expect('error' in bad! && bad.error).toMatch(why);
    // The rows after a bad one (not after an unclosed quote: it runs to the end) are still read.
    if (!/not closed/.test(String(why))) expect(rows.at(-1)).toEqual({ line: 3, fields: ['ok'] });
  });

  it('an empty text has no rows', () => {
    expect(parseCsv('').rows).toEqual([]);
    expect(parseCsv('\u{feff}').rows).toEqual([]);
  });

  it.each([
    ['Serial Number', 'serial number'],
    [' secret_key ', 'secret key'],
    ['Time-Interval', 'time interval'],
    ['UPN', 'upn'],
  ])('header cell %j is known as %j', (cell, key) => {
    expect(headerKey(cell)).toBe(key);
  });
});
