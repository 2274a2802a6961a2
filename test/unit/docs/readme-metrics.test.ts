import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PromMetrics } from '../../../src/observability/prom-metrics.js';
import { parseExposition } from '../../helpers/prom-text.js';
import { codeSpans, section, tables } from './markdown-parts.js';

/**
 * The README's metric table ("## Metrics and health") against what /metrics really exposes, both
 * ways: every metric with its type and its label names. Every source is given data, so every
 * metric has a series to read the labels from; prom-client's process metrics are one wildcard row.
 */
function exposition() {
  const m = new PromMetrics(
    {
      server: () => ({ received: 1 }),
      accounting: () => ({ received: 1, answered: 1, forwarded: 1 }),
      pendingChallenges: () => 0,
      oobWaits: () => 0,
      upstream: () => ({
        counters: { sent: 1 },
        health: { auth: [{ server: '127.0.0.1:1812', alive: true, outstanding: 0 }], acct: [] },
      }),
      directory: async () => ({ type: 'radius', up: true }),
    },
    { processMetrics: false },
  );
  m.radius.onAuth({
    at: 0,
    result: 'accept',
    reason: 'mfa_ok',
    client: 'vpn',
    correlationId: 'c',
    latencyMs: 1,
    src: '127.0.0.1:1',
  });
  m.radius.onDrop({ at: 0, cause: 'malformed', src: '127.0.0.1:1' });
  m.sms.count({ event: 'sms_sent', provider: 'p' });
  m.sms.count({ event: 'sms_refused', tripped: 'user_hour' });
  m.sms.count({ event: 'sms_send_failed', cause: 'network' });
  return m.render().then(parseExposition);
}

describe('README "Metrics and health": the metric table', () => {
  it('lists every metric /metrics exposes, with its type and labels, and no other', async () => {
    const md = readFileSync('README.md', 'utf8');
    const text = section(md, '## Metrics and health');
    expect(text, 'README.md has no "## Metrics and health"').toBeDefined();
    const table = tables(text!).find((t) => t.header[0] === 'metric');
    expect(table, 'no table with a "metric" column').toBeDefined();
    const documented = new Map<string, { type: string; labels: string[] }>();
    for (const row of table!.rows) {
      const [name] = codeSpans(row[0] ?? '');
      if (!name || name.includes('*')) continue; // the process metrics' wildcard row
      documented.set(name, { type: (row[1] ?? '').trim(), labels: codeSpans(row[2] ?? '').sort() });
    }
    const e = await exposition();
    const exposed = new Map<string, { type: string; labels: string[] }>();
    for (const [name, type] of e.types) {
      const series = e.samples.filter((s) => s.name === name || s.name.startsWith(`${name}_`));
      const labels = new Set(series.flatMap((s) => Object.keys(s.labels)).filter((l) => l !== 'le'));
      exposed.set(name, { type, labels: [...labels].sort() });
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(exposed));
  });
});
