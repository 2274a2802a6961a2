import { messageAuthenticatorStatus } from '../radius/authenticators.js';
import { type Frame, parseFrame } from '../radius/frame.js';
import { buildResponse } from '../radius/response.js';
import type { ClientTable, RadiusClient } from './client-table.js';
import type { DropSink, Peer } from './drop-log.js';
import { DuplicateCache } from './duplicate-cache.js';

/** The counters both listeners (authentication and accounting) keep for the shared intake steps. */
export interface IntakeCounters {
  inc(
    name:
      | 'received'
      | 'answered'
      | 'status_server'
      | 'dropped_unknown_client'
      | 'dropped_malformed'
      | 'dropped_bad_message_authenticator'
      | 'duplicate_in_flight'
      | 'duplicate_replayed',
  ): void;
}

/**
 * Counts a dropped datagram under `dropped_<cause>` and reports it to the drop log (issue 9 item 8),
 * which logs it rate-limited with the source: a drop is never answered, so the log is the only trace.
 */
export function countDrop<C extends string>(
  counters: { inc(name: `dropped_${C}`): void },
  drops: DropSink | undefined,
  cause: C,
  peer: Peer,
  client?: RadiusClient,
): void {
  counters.inc(`dropped_${cause}`);
  drops?.dropped(cause, peer, client?.name);
}

/**
 * The first steps for every datagram, on either port: a known source, then a well-formed frame.
 * Anything else is dropped and counted, never answered: an unknown source learns nothing.
 */
export function admit(
  msg: Buffer,
  peer: Peer,
  clients: ClientTable,
  counters: IntakeCounters,
  drops?: DropSink,
): { client: RadiusClient; frame: Frame } | undefined {
  counters.inc('received');
  const client = clients.match(peer.address);
  if (!client) {
    countDrop(counters, drops, 'unknown_client', peer);
    return undefined;
  }
  const parsed = parseFrame(msg);
  if (!parsed.ok) {
    countDrop(counters, drops, 'malformed', peer, client);
    return undefined;
  }
  return { client, frame: parsed.value };
}

/**
 * RFC 5997 §3: a Status-Server without a valid Message-Authenticator is silently discarded; it is
 * answered with Access-Accept on the authentication port, Accounting-Response on the accounting
 * port, and never cached (§4).
 */
export function answerStatusServer(
  frame: Frame,
  client: RadiusClient,
  replyCode: number,
  counters: IntakeCounters,
  send: (reply: Buffer) => void,
  peer: Peer,
  drops?: DropSink,
): void {
  if (messageAuthenticatorStatus(frame, client.secret) !== 'valid') {
    countDrop(counters, drops, 'bad_message_authenticator', peer, client);
    return;
  }
  const reply = buildResponse({ code: replyCode, request: frame, secret: client.secret, attributes: [] });
  if (!reply.ok) return;
  counters.inc('status_server');
  counters.inc('answered');
  send(reply.value);
}

/**
 * RFC 5080 §2.2.2: registers a request with the duplicate cache. Returns its key when it is new;
 * otherwise handles the retransmission (ignored in flight, cached reply resent) and returns undefined.
 */
export function claimRequest(
  duplicates: DuplicateCache,
  peer: Peer,
  frame: Frame,
  counters: IntakeCounters,
  send: (reply: Buffer) => void,
): string | undefined {
  const key = DuplicateCache.key(peer.address, peer.port, frame.identifier, frame.authenticator);
  const dup = duplicates.begin(key);
  if (dup.kind === 'new') return key;
  if (dup.kind === 'in_flight') counters.inc('duplicate_in_flight');
  else {
    counters.inc('duplicate_replayed');
    send(dup.reply);
  }
  return undefined;
}
