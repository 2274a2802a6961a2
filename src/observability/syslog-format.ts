import { SYSLOG_FACILITIES, type SyslogFacility } from '../config/syslog-section.js';

/**
 * RFC 5424 messages and the octet-counting frame, pure and synchronous: no socket, no clock.
 *
 *   SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]                       (RFC 5424 §6)
 *   HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
 */

/** RFC 5424 §6.2.1 table 2. */
export const Severity = {
  emergency: 0,
  alert: 1,
  critical: 2,
  error: 3,
  warning: 4,
  notice: 5,
  informational: 6,
  debug: 7,
} as const;

/** pino's level labels → RFC 5424 severities (info is "informational": an audit line is no alarm). */
const SEVERITY_BY_LABEL: Readonly<Record<string, number>> = {
  fatal: Severity.critical,
  error: Severity.error,
  warn: Severity.warning,
  info: Severity.informational,
  debug: Severity.debug,
  trace: Severity.debug,
};

export function severityOfLevel(label: string): number {
  return SEVERITY_BY_LABEL[label] ?? Severity.notice;
}

export function facilityCode(name: SyslogFacility): number {
  return SYSLOG_FACILITIES.indexOf(name);
}

/** RFC 5424 §6.2.1: PRI = facility × 8 + severity, written as 1-3 digits in angle brackets. */
export function pri(facility: number, severity: number): string {
  return `<${facility * 8 + severity}>`;
}

export const NILVALUE = '-';

/**
 * A header field (HOSTNAME, APP-NAME, PROCID, MSGID) is 1*N PRINTUSASCII (33-126) or the NILVALUE:
 * other characters are dropped, an empty result becomes "-", a long one is cut.
 */
export function headerField(value: string | undefined, max: number): string {
  if (value === undefined) return NILVALUE;
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean === '' ? NILVALUE : clean;
}

/** RFC 5424 §6.2.3: a TIMESTAMP has at most 6 fractional digits; an ISO string from Date has 3. */
export function timestamp(iso: string | undefined): string {
  if (iso === undefined) return NILVALUE;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : NILVALUE;
}

export interface SdElement {
  /** SD-NAME: 1*32 PRINTUSASCII except '=', SP, ']', '"' (RFC 5424 §6.3.2). */
  readonly id: string;
  readonly params: ReadonlyArray<readonly [name: string, value: string]>;
}

/** RFC 5424 §6.3.3: in a PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

// PRINTUSASCII (33-126) without '"' (34), '=' (61) and ']' (93).
const SD_NAME = /^[!#-<>-\\^-~]{1,32}$/;

/** STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT. Throws for a bad SD-NAME: that is a bug of the caller. */
export function structuredData(elements: readonly SdElement[]): string {
  if (elements.length === 0) return NILVALUE;
  let out = '';
  for (const e of elements) {
    if (!SD_NAME.test(e.id)) throw new Error(`invalid SD-ID ${JSON.stringify(e.id)}`);
    out += `[${e.id}`;
    for (const [name, value] of e.params) {
      if (!SD_NAME.test(name)) throw new Error(`invalid PARAM-NAME ${JSON.stringify(name)}`);
      out += ` ${name}="${escapeParamValue(value)}"`;
    }
    out += ']';
  }
  return out;
}

export interface SyslogMessage {
  readonly facility: number;
  readonly severity: number;
  /** ISO 8601 with Z or an offset; undefined → NILVALUE. */
  readonly timestamp?: string;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly msgId?: string;
  readonly structuredData?: readonly SdElement[];
  /** The MSG, UTF-8. */
  readonly msg?: string;
  /** RFC 5424 §6.4: a UTF-8 MSG starts with the BOM (EF BB BF). */
  readonly bom?: boolean;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * One RFC 5424 message as bytes. Longer than maxBytes: the MSG is cut at a character boundary
 * (RFC 5424 §6.1 allows truncation; a header is never cut).
 */
export function formatSyslog(m: SyslogMessage, maxBytes = 8192): Buffer {
  const head =
    `${pri(m.facility, m.severity)}1 ${timestamp(m.timestamp)} ${headerField(m.hostname, 255)} ` +
    `${headerField(m.appName, 48)} ${headerField(m.procId, 128)} ${headerField(m.msgId, 32)} ` +
    structuredData(m.structuredData ?? []);
  const headBuf = Buffer.from(head, 'ascii');
  if (m.msg === undefined || m.msg === '') return headBuf;
  const prefix = m.bom ? Buffer.concat([headBuf, Buffer.from(' '), BOM]) : Buffer.from(`${head} `, 'ascii');
  let body: Buffer = Buffer.from(m.msg, 'utf8');
  const room = maxBytes - prefix.length;
  if (body.length > room) body = cutUtf8(body, Math.max(0, room));
  return Buffer.concat([prefix, body]);
}

/** The first n bytes or fewer, never splitting a UTF-8 sequence. */
export function cutUtf8(buf: Buffer, n: number): Buffer {
  if (buf.length <= n) return buf;
  let end = n;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end);
}

/** RFC 6587 §3.4.1 and RFC 5425 §4.3: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG (MSG-LEN in octets). */
export function octetCountingFrame(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}

/** RFC 5424 §7.3.1: meta sequenceId runs 1 … 2147483647 and then starts again at 1. */
export function nextSequenceId(previous: number): number {
  return previous >= 2_147_483_647 ? 1 : previous + 1;
}

/** The value of a flat string key in a JSON line (`"key":"value"`), found with indexOf. */
function stringField(line: string, key: string, from = 0): string | undefined {
  const k = `"${key}":"`;
  const i = line.indexOf(k, from);
  if (i < 0) return undefined;
  const start = i + k.length;
  const end = line.indexOf('"', start);
  return end < 0 ? undefined : line.slice(start, end);
}

/**
 * What a pino JSON line carries for the header, read without parsing the whole line (it runs for
 * every line): the level label, the time and the event name. pino writes them as flat keys, level
 * and time first.
 */
export function lineFields(line: string): { level?: string; time?: string; event?: string } {
  const level = stringField(line, 'level');
  const time = stringField(line, 'time');
  const event = stringField(line, 'event');
  return {
    level: level !== undefined && /^[a-z]{1,10}$/.test(level) ? level : undefined,
    time: time !== undefined && time.length <= 40 ? time : undefined,
    event: event !== undefined && /^[A-Za-z0-9_.-]{1,32}$/.test(event) ? event : undefined,
  };
}

export interface FixedHeader {
  readonly facility: number;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: string;
  readonly bom?: boolean;
}

/**
 * formatSyslog for one sender: the fields that never change (HOSTNAME, APP-NAME, PROCID) are
 * checked and joined once, so a line costs one string and one encoding. Gives the same bytes as
 * formatSyslog (a test holds them together).
 */
export function headerBuilder(
  fixed: FixedHeader,
  maxBytes = 8192,
): (m: {
  readonly severity: number;
  readonly timestamp?: string;
  readonly msgId?: string;
  readonly structuredData?: readonly SdElement[];
  readonly msg?: string;
}) => Buffer {
  const middle = ` ${headerField(fixed.hostname, 255)} ${headerField(fixed.appName, 48)} ${headerField(fixed.procId, 128)} `;
  const bom = fixed.bom ? '\u{feff}' : '';
  return (m) => {
    const head = `${pri(fixed.facility, m.severity)}1 ${timestamp(m.timestamp)}${middle}${headerField(m.msgId, 32)} ${structuredData(m.structuredData ?? [])}`;
    if (m.msg === undefined || m.msg === '') return Buffer.from(head, 'latin1');
    const whole = Buffer.from(`${head} ${bom}${m.msg}`, 'utf8');
    return whole.length > maxBytes ? cutUtf8(whole, Math.max(maxBytes, Buffer.byteLength(head) + 1)) : whole;
  };
}
