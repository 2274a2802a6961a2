/**
 * What a deliver_sm carries: a reply typed on a phone (mobile originated), or a delivery receipt
 * for something we sent. Told apart by esm_class (SMPP 3.4 §5.2.12: bits 2..5 are the message
 * type; 0 is a normal message, 0x04 an SMSC delivery receipt, 0x08/0x10 SME acknowledgements, 0x20
 * an intermediate notification), by the receipt TLVs (§5.3.2.12 receipted_message_id, §5.3.2.35
 * message_state), and by the receipt text of Appendix B, which some SMSCs send with esm_class 0.
 */

export interface DeliverSmFields {
  readonly esm_class?: number;
  readonly source_addr?: string;
  readonly source_addr_ton?: number;
  readonly destination_addr?: string;
  readonly dest_addr_ton?: number;
  readonly short_message?: unknown;
  readonly message_payload?: unknown;
  readonly receipted_message_id?: unknown;
  readonly message_state?: unknown;
}

export type DeliverSmKind =
  | { readonly kind: 'reply'; readonly from: string; readonly to?: string; readonly text: string }
  | { readonly kind: 'receipt'; readonly messageId?: string; readonly stat?: string }
  | { readonly kind: 'invalid'; readonly why: string };

const MESSAGE_TYPE_MASK = 0x3c;
/** SMPP 3.4 Appendix B: `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:... stat:DDDDDDD err:E ...` */
const RECEIPT_TEXT = /^id:(\S+)\s.*\bstat:([A-Z]{5,8})\b/is;
const TON_INTERNATIONAL = 1;

/** The text of short_message or message_payload, as the library decoded it. */
export function messageText(field: unknown): string | undefined {
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  if (field !== null && typeof field === 'object' && 'message' in field) {
    const m = (field as { message: unknown }).message;
    if (typeof m === 'string') return m;
    if (Buffer.isBuffer(m)) return m.toString('latin1');
  }
  return undefined;
}

/** E.164 from an SMPP address, or undefined (alphanumeric, national without a country code). */
export function e164FromSmpp(addr: string | undefined, ton: number | undefined): string | undefined {
  if (!addr) return undefined;
  const digits = addr.replace(/^\+/, '');
  if (!/^[1-9]\d{6,14}$/.test(digits)) return undefined;
  // International TON, or a '+' the SMSC kept; TON 0 (unknown) with a full-length number is common too.
  if (ton === TON_INTERNATIONAL || addr.startsWith('+') || ton === 0 || ton === undefined)
    return `+${digits}`;
  return undefined;
}

export function classifyDeliverSm(pdu: DeliverSmFields): DeliverSmKind {
  const text = messageText(pdu.message_payload) ?? messageText(pdu.short_message) ?? '';
  const esm = pdu.esm_class ?? 0;
  const receiptText = RECEIPT_TEXT.exec(text);
  const receiptId =
    typeof pdu.receipted_message_id === 'string' && pdu.receipted_message_id !== ''
      ? pdu.receipted_message_id
      : receiptText?.[1];
  if (
    (esm & MESSAGE_TYPE_MASK) !== 0 ||
    pdu.receipted_message_id !== undefined ||
    pdu.message_state !== undefined ||
    receiptText
  ) {
    return {
      kind: 'receipt',
      ...(receiptId !== undefined ? { messageId: receiptId.slice(0, 65) } : {}),
      ...(receiptText?.[2] ? { stat: receiptText[2].toUpperCase() } : {}),
    };
  }
  const from = e164FromSmpp(pdu.source_addr, pdu.source_addr_ton);
  if (!from) return { kind: 'invalid', why: 'source_addr is not an international number' };
  // Our own number as E.164 when it is one; a short code or sender name as it came.
  const to = e164FromSmpp(pdu.destination_addr, pdu.dest_addr_ton) ?? pdu.destination_addr;
  return { kind: 'reply', from, ...(to ? { to } : {}), text };
}
