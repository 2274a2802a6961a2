import type { SendResult, SmsMessage } from './sms-sender.js';
import { failed } from './sms-sender.js';

/**
 * The submit_sm we send and what its submit_sm_resp means, as pure functions over plain fields
 * (the session that carries them lives in smpp-provider.ts, the only importer of `smpp`).
 */

export const INTERFACE_VERSION_34 = 0x34; // SMPP 3.4 §5.2.4
const TON_INTERNATIONAL = 1; // §5.2.5
const NPI_ISDN = 1; // §5.2.6 (E.164)
/** §5.2.21: short_message holds at most 254 octets; longer text goes in message_payload (§5.3.2.32). */
const SHORT_MESSAGE_CHARS = 120;
// §5.1.3 command_status values that mean "slow down", not "this message is bad".
const THROTTLED = new Set([0x58 /* ESME_RTHROTTLED */, 0x14 /* ESME_RMSGQFUL */]);

export interface SubmitSource {
  readonly sourceAddr: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly registeredDelivery: boolean;
}

export function submitSmFields(s: SubmitSource, msg: SmsMessage): Record<string, unknown> {
  return {
    source_addr_ton: s.sourceTon,
    source_addr_npi: s.sourceNpi,
    source_addr: s.sourceAddr,
    dest_addr_ton: TON_INTERNATIONAL,
    dest_addr_npi: NPI_ISDN,
    destination_addr: msg.to.replace(/^\+/, ''),
    registered_delivery: s.registeredDelivery ? 1 : 0, // §5.2.17: a receipt on the final outcome
    ...(msg.text.length > SHORT_MESSAGE_CHARS ? { message_payload: msg.text } : { short_message: msg.text }),
  };
}

/** `0x00000058 (ESME_RTHROTTLED)` */
export function statusText(status: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(status);
  return `0x${status.toString(16).padStart(8, '0')}${name ? ` (${name})` : ''}`;
}

export function submitRespResult(
  provider: string,
  resp: { readonly command_status: number; readonly message_id?: unknown },
  maskedTo: string,
  names: ReadonlyMap<number, string>,
): SendResult {
  if (resp.command_status === 0) {
    const id = typeof resp.message_id === 'string' && resp.message_id !== '' ? resp.message_id : undefined;
    return id ? { kind: 'sent', provider, messageId: id } : { kind: 'sent', provider };
  }
  const reason = THROTTLED.has(resp.command_status) ? 'rate_limited' : 'rejected';
  return failed(
    provider,
    reason,
    `submit_sm_resp status ${statusText(resp.command_status, names)} (to ${maskedTo})`,
  );
}
