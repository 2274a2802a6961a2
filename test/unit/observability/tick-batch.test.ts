import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { TickBatch } from '../../../src/observability/tick-batch.js';

const collector = () => {
  const writes: string[] = [];
  let syncFlushes = 0;
  return {
    writes,
    syncs: () => syncFlushes,
    sink: {
      write: (c: string) => writes.push(c),
      flushSync: () => {
        syncFlushes++;
      },
    },
  };
};

describe('TickBatch', () => {
  it('hands all lines of one event-loop turn to the sink as one write, in order', async () => {
    const c = collector();
    const batch = new TickBatch(c.sink);
    batch.write('a\n');
    batch.write('b\n');
    batch.write('c\n');
    expect(c.writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(c.writes).toEqual(['a\nb\nc\n']);
    batch.write('d\n');
    await new Promise((r) => setImmediate(r));
    expect(c.writes).toEqual(['a\nb\nc\n', 'd\n']);
    process.removeListener('exit', batch.flushSync);
  });

  it('flushSync hands over what is pending and flushes the sink (the exit path)', () => {
    const c = collector();
    const batch = new TickBatch(c.sink);
    batch.write('last words\n');
    batch.flushSync();
    expect(c.writes).toEqual(['last words\n']);
    expect(c.syncs()).toBe(1);
    expect(process.listeners('exit')[0]).toBe(batch.flushSync);
    process.removeListener('exit', batch.flushSync);
  });

  it('carries pino JSON lines unchanged', async () => {
    const c = collector();
    const batch = new TickBatch(c.sink);
    const log = createLogger({ destination: batch });
    log.info({ event: 'auth', user: 'alice', password: 'hunter2' }, 'x');
    log.info({ event: 'auth', user: 'bob' }, 'y');
    await new Promise((r) => setImmediate(r));
    expect(c.writes).toHaveLength(1);
    const lines = c.writes[0]!.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.user)).toEqual(['alice', 'bob']);
    expect(lines[0].password).toBe('[redacted]');
    process.removeListener('exit', batch.flushSync);
  });
});
