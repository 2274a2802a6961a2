import { decodeAttributes } from '../radius/attributes.js';
import { Attr } from '../radius/codes.js';
import { type Frame, firstAttribute } from '../radius/frame.js';
import { formatIpv6 } from '../radius/ip.js';

/** RFC 2866 §5.1 Acct-Status-Type values. */
export const AcctStatus = {
  Start: 1,
  Stop: 2,
  InterimUpdate: 3,
  AccountingOn: 7,
  AccountingOff: 8,
} as const;

const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'Start',
  2: 'Stop',
  3: 'Interim-Update',
  7: 'Accounting-On',
  8: 'Accounting-Off',
};

/** The facts of one Accounting-Request that sessions and the local log use. */
export interface AccountingRecord {
  /** Clock ms when it arrived. */
  readonly at: number;
  /** The client (or `proxy/gateway` behind a trusted proxy). */
  readonly client: string;
  readonly src: string;
  readonly statusType: number | undefined;
  readonly sessionId: string | undefined;
  readonly userName: string | undefined;
  readonly nasIp: string | undefined;
  readonly nasIdentifier: string | undefined;
  readonly framedIp: string | undefined;
  readonly callingStationId: string | undefined;
  readonly sessionTime: number | undefined;
  readonly inputOctets: number | undefined;
  readonly outputOctets: number | undefined;
}

const text = (b: Buffer | undefined): string | undefined => (b ? b.toString('utf8') : undefined);
const u32 = (b: Buffer | undefined): number | undefined => (b?.length === 4 ? b.readUInt32BE(0) : undefined);
const ipv4 = (b: Buffer | undefined): string | undefined =>
  b?.length === 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined;

const ACCT_INPUT_GIGAWORDS = 52;
const ACCT_OUTPUT_GIGAWORDS = 53;

/** RFC 2869 §5.1/§5.2: octets = Gigawords × 2^32 + Octets. */
function octets(frame: Frame, low: number, high: number): number | undefined {
  const lo = u32(firstAttribute(frame, low));
  if (lo === undefined) return undefined;
  return (u32(firstAttribute(frame, high)) ?? 0) * 2 ** 32 + lo;
}

export function accountingRecord(frame: Frame, client: string, src: string, at: number): AccountingRecord {
  const v6 = firstAttribute(frame, Attr.NasIpv6Address);
  return {
    at,
    client,
    src,
    statusType: u32(firstAttribute(frame, Attr.AcctStatusType)),
    sessionId: text(firstAttribute(frame, Attr.AcctSessionId)),
    userName: text(firstAttribute(frame, Attr.UserName)),
    nasIp: ipv4(firstAttribute(frame, Attr.NasIpAddress)) ?? (v6?.length === 16 ? formatIpv6(v6) : undefined),
    nasIdentifier: text(firstAttribute(frame, Attr.NasIdentifier)),
    framedIp: ipv4(firstAttribute(frame, Attr.FramedIpAddress)),
    callingStationId: text(firstAttribute(frame, Attr.CallingStationId)),
    sessionTime: u32(firstAttribute(frame, Attr.AcctSessionTime)),
    inputOctets: octets(frame, Attr.AcctInputOctets, ACCT_INPUT_GIGAWORDS),
    outputOctets: octets(frame, Attr.AcctOutputOctets, ACCT_OUTPUT_GIGAWORDS),
  };
}

/** Never written to the local log: signatures, our routing state, anything secret. */
const NOT_LOGGED: ReadonlySet<number> = new Set([
  Attr.UserPassword,
  Attr.ChapPassword,
  Attr.State,
  Attr.ProxyState,
  Attr.MessageAuthenticator,
  Attr.TunnelPassword,
]);

/**
 * One JSON line for the local accounting log: the record's header and every attribute by
 * dictionary name (octets as 0x-hex; repeated attributes as arrays).
 */
export function accountingJsonLine(rec: AccountingRecord, frame: Frame): string {
  const attributes: Record<string, unknown> = {};
  for (const a of decodeAttributes(frame)) {
    if (a.vendor === undefined && NOT_LOGGED.has(a.type)) continue;
    const value = Buffer.isBuffer(a.value) ? `0x${a.value.toString('hex')}` : a.value;
    const name = a.tag !== undefined ? `${a.name}:${a.tag}` : a.name;
    const prev = attributes[name];
    attributes[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return JSON.stringify({
    time: new Date(rec.at).toISOString(),
    client: rec.client,
    src: rec.src,
    status: rec.statusType !== undefined ? (STATUS_NAMES[rec.statusType] ?? rec.statusType) : undefined,
    session_id: rec.sessionId,
    user: rec.userName,
    attributes,
  });
}
