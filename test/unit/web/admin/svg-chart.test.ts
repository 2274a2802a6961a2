import { describe, expect, it } from 'vitest';
import { barChart, lineChart, niceMax } from '../../../../src/web/admin/svg-chart.js';

const CSP_SAFE = (svg: string) => {
  expect(svg).not.toMatch(/\sstyle=/i);
  expect(svg).not.toMatch(/<script/i);
  expect(svg).not.toMatch(/<[^>]*\son[a-z]+=/i);
  expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
};

describe('server-side SVG charts', () => {
  it('a line chart: one polyline per series, a point per value, y from 0 to a round maximum', () => {
    const svg = lineChart({
      title: 'Logins per minute',
      width: 144,
      height: 100,
      series: [
        { name: 'accept', color: '#1a7f37', values: [0, 5, 10] },
        { name: 'reject', color: '#cf222e', values: [1, 0, 0] },
      ],
      xLabels: [
        { index: 0, text: '-24 h' },
        { index: 2, text: 'now' },
      ],
    });
    CSP_SAFE(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title>Logins per minute</title>');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]+)"/g)].map((m) => m[1]!.split(' '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(3);
    // Plot area: x 44..132, y 28..72 (height 100 - 28 - 28 = 44); max 10 at the top, 0 at the bottom.
    expect(lines[0]).toEqual(['44.0,72.0', '88.0,50.0', '132.0,28.0']);
    expect(svg).toContain('accept (15)');
    expect(svg).toContain('>now</text>');
  });

  it('bar chart: bars proportional to the largest, labels escaped, an empty chart says so', () => {
    const svg = barChart({
      title: 'Rejects by reason',
      width: 400,
      bars: [
        { label: 'bad_password', value: 4 },
        { label: '<img src=x onerror=alert(1)>', value: 2 },
      ],
    });
    CSP_SAFE(svg);
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&#60;img src=x onerror=alert(1)&#62;');
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 5);
    expect(barChart({ title: 't', bars: [], empty: 'no rejects yet' })).toContain('no rejects yet');
  });

  it('niceMax rounds up to 1, 2 or 5 × 10^n', () => {
    expect([0, 1, 3, 7, 10, 11, 180, 501].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 200, 1000]);
  });
});
