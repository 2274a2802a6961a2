import { describe, expect, it } from 'vitest';
import {
  cutUtf8,
  escapeParamValue,
  facilityCode,
  formatSyslog,
  headerBuilder,
  headerField,
  lineFields,
  nextSequenceId,
  octetCountingFrame,
  pri,
  severityOfLevel,
  structuredData,
  timestamp,
} from '../../../src/observability/syslog-format.js';

describe('RFC 5424 formatter', () => {
  // RFC 5424 §6.5: the examples, rebuilt from their fields, byte for byte.
  it.each([
    {
      name: 'example 1 (no STRUCTURED-DATA, BOM before the MSG)',
      m: {
        facility: 4,
        severity: 2,
        timestamp: '2003-10-11T22:14:15.003Z',
        hostname: 'mymachine.example.com',
        appName: 'su',
        msgId: 'ID47',
        msg: "'su root' failed for lonvick on /dev/pts/8",
        bom: true,
      },
      text: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8",
    },
    {
      name: 'example 2 (an offset in the TIMESTAMP, no BOM)',
      m: {
        facility: 20,
        severity: 5,
        timestamp: '2003-08-24T05:14:15.000003-07:00',
        hostname: '192.0.2.1',
        appName: 'myproc',
        procId: '8710',
        msg: "%% It's time to make the do-nuts.",
      },
      text: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
    },
    {
      name: 'example 4 (two SD-ELEMENTs, no MSG)',
      m: {
        facility: 20,
        severity: 5,
        timestamp: '2003-10-11T22:14:15.003Z',
        hostname: 'mymachine.example.com',
        appName: 'evntslog',
        msgId: 'ID47',
        structuredData: [
          {
            id: 'exampleSDID@32473',
            params: [
              ['iut', '3'],
              ['eventSource', 'Application'],
              ['eventID', '1011'],
            ] as const,
          },
          { id: 'examplePriority@32473', params: [['class', 'high']] as const },
        ],
      },
      text: '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
    },
    {
      name: 'every header field NILVALUE',
      m: { facility: 1, severity: 6 },
      text: '<14>1 - - - - - -',
    },
  ])('$name', ({ m, text }) => {
    expect(formatSyslog(m).toString('utf8')).toBe(text);
    // The destination's per-sender builder gives the same bytes.
    const build = headerBuilder(m);
    expect(build(m).equals(formatSyslog(m))).toBe(true);
  });

  it('the builder cuts a long MSG as formatSyslog does', () => {
    const m = { facility: 4, severity: 6, hostname: 'h', msg: `${'x'.repeat(600)}ü`, bom: true };
    expect(headerBuilder(m, 500)(m).equals(formatSyslog(m, 500))).toBe(true);
    expect(headerBuilder(m, 500)(m).length).toBe(500);
  });

  it.each([
    ['plain', 'plain'],
    ['a"b', 'a\\"b'],
    ['back\\slash', 'back\\\\slash'],
    ['close]bracket', 'close\\]bracket'],
    ['all "\\]', 'all \\"\\\\\\]'],
    ['[open is fine', '[open is fine'],
    ['ü, ☃', 'ü, ☃'],
  ])('SD-PARAM value %j is written %j (RFC 5424 §6.3.3)', (value, escaped) => {
    expect(escapeParamValue(value)).toBe(escaped);
    expect(structuredData([{ id: 'x', params: [['p', value]] }])).toBe(`[x p="${escaped}"]`);
  });

  it.each([['a b'], ['a=b'], ['a]b'], ['a"b'], [''], ['x'.repeat(33)], ['ü']])(
    'refuses the SD-NAME %j',
    (id) => {
      expect(() => structuredData([{ id, params: [] }])).toThrow(/invalid SD-ID/);
    },
  );

  it.each([
    [undefined, 48, '-'],
    ['', 48, '-'],
    ['my host', 48, 'myhost'],
    ['tab\there', 48, 'tabhere'],
    ['ünïcode', 48, 'ncode'],
    ['x'.repeat(60), 48, 'x'.repeat(48)],
  ])('header field %j (max %d) is %j', (v, max, out) => {
    expect(headerField(v, max)).toBe(out);
  });

  it.each([
    ['2026-12-01T21:00:00.123Z', '2026-12-01T21:00:00.123Z'],
    ['2026-12-01T21:00:00Z', '2026-12-01T21:00:00Z'],
    ['2026-12-01T21:00:00.1234567Z', '-'],
    ['yesterday', '-'],
    [undefined, '-'],
  ])('TIMESTAMP %j → %j', (v, out) => {
    expect(timestamp(v)).toBe(out);
  });

  it.each([
    ['fatal', 2],
    ['error', 3],
    ['warn', 4],
    ['info', 6],
    ['debug', 7],
    ['trace', 7],
    ['unknown', 5],
  ])('pino level %s is severity %d', (label, sev) => {
    expect(severityOfLevel(label)).toBe(sev);
  });

  it.each([
    ['kern', 0, 0, '<0>'],
    ['auth', 4, 6, '<38>'],
    ['authpriv', 10, 4, '<84>'],
    ['local0', 16, 6, '<134>'],
    ['local7', 23, 7, '<191>'],
  ] as const)('facility %s is %d; PRI with severity %d is %s', (name, code, sev, p) => {
    expect(facilityCode(name)).toBe(code);
    expect(pri(code, sev)).toBe(p);
  });

  it('cuts a long MSG at a character boundary, never the header', () => {
    const msg = `${'a'.repeat(10)}ü${'b'.repeat(10)}`;
    const full = formatSyslog({ facility: 4, severity: 6, msg });
    const head = '<38>1 - - - - - - ';
    expect(full.toString()).toBe(head + msg);
    // Room for the ten a's and one byte of the two-byte ü: the ü goes.
    const cut = formatSyslog({ facility: 4, severity: 6, msg }, head.length + 11);
    expect(cut.toString()).toBe(`${head}${'a'.repeat(10)}`);
    expect(cutUtf8(Buffer.from('☃☃'), 4).toString()).toBe('☃');
    expect(cutUtf8(Buffer.from('ab'), 5).toString()).toBe('ab');
  });

  it('frames by octet count, in bytes not characters (RFC 6587 §3.4.1)', () => {
    expect(octetCountingFrame(Buffer.from('<38>1 - - - - - - ok')).toString()).toBe(
      '20 <38>1 - - - - - - ok',
    );
    const utf = Buffer.from('<38>1 - - - - - - ü');
    expect(utf.length).toBe(20);
    expect(octetCountingFrame(utf).subarray(0, 3).toString()).toBe('20 ');
  });

  it('numbers messages 1 … 2147483647, then 1 again (RFC 5424 §7.3.1)', () => {
    expect(nextSequenceId(0)).toBe(1);
    expect(nextSequenceId(41)).toBe(42);
    expect(nextSequenceId(2_147_483_647)).toBe(1);
  });

  it('reads level, time and event from a pino line', () => {
    expect(
      lineFields(
        '{"level":"warn","time":"2026-12-01T21:00:00.000Z","service":"x","event":"lockout","msg":"m"}\n',
      ),
    ).toEqual({ level: 'warn', time: '2026-12-01T21:00:00.000Z', event: 'lockout' });
    expect(lineFields('{"level":"info","msg":"no event"}')).toEqual({
      level: 'info',
      time: undefined,
      event: undefined,
    });
  });
});
