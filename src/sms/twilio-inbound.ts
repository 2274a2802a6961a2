import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Result } from '../shared/result.js';
import type { InboundSms } from './sms-sender.js';

/**
 * Twilio's inbound SMS webhook (two-way SMS), as pure functions: the lead mounts them on an HTTPS
 * listener. Twilio POSTs the message form-encoded (From, To, Body, MessageSid, ...) and signs it:
 * X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL + each POST parameter, sorted by name,
 * as name followed by value)). Twilio's docs: https://www.twilio.com/docs/usage/security
 */

/** TwiML that sends no reply SMS. */
export const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
export const TWIML_CONTENT_TYPE = 'text/xml; charset=utf-8';

export type FormParams = ReadonlyArray<readonly [string, string]>;

/** The POST parameters of an `application/x-www-form-urlencoded` body, in their order. */
export function parseForm(body: string): FormParams {
  return [...new URLSearchParams(body)];
}

/**
 * The data Twilio signs. Names sort by code unit (as Twilio's helpers' default sort); a name that
 * occurs more than once contributes each of its values, in sorted order.
 */
export function twilioSignedData(url: string, params: FormParams): string {
  const sorted = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  let data = url;
  for (const [k, v] of sorted) data += k + v;
  return data;
}

export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  return createHmac('sha1', authToken).update(twilioSignedData(url, params), 'utf8').digest('base64');
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // Lengths are public (a SHA-1 is always 28 base64 characters); the comparison is constant-time.
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Twilio signs the URL as it called it; behind a proxy, the port may be written or left out
 * (its own helpers try both), so both forms of the configured URL are accepted.
 */
function urlVariants(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [url];
  }
  const std = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  const rest = `${u.pathname}${u.search}${u.hash}`;
  const withPort = `${u.protocol}//${auth}${u.hostname}:${u.port || std}${rest}`;
  const withoutPort =
    u.port === '' || u.port === std ? `${u.protocol}//${auth}${u.hostname}${rest}` : withPort;
  return [...new Set([url, withPort, withoutPort])];
}

export function verifyTwilioSignature(args: {
  readonly authToken: string;
  /** The public URL configured in Twilio, with its query string. */
  readonly url: string;
  readonly params: FormParams;
  readonly signature: string | undefined;
}): boolean {
  if (!args.signature) return false;
  let ok = false;
  // Every variant is checked (no early exit), so the time does not tell which one matched.
  for (const u of urlVariants(args.url)) {
    if (sameSignature(twilioSignature(args.authToken, u, args.params), args.signature)) ok = true;
  }
  return ok;
}

export type InboundParseError = 'missing_from' | 'missing_body' | 'bad_from';

/** From, To, Body of an inbound message; From must be E.164 (Twilio sends it so for phones). */
export function parseTwilioInbound(
  params: FormParams,
  meta: { readonly receivedAt: number; readonly provider: string },
): Result<InboundSms & { readonly messageSid?: string }, InboundParseError> {
  const get = (k: string): string | undefined => params.find(([n]) => n === k)?.[1];
  const from = get('From');
  const body = get('Body');
  if (from === undefined || from === '') return { ok: false, error: 'missing_from' };
  if (body === undefined) return { ok: false, error: 'missing_body' };
  if (!/^\+[1-9]\d{6,14}$/.test(from)) return { ok: false, error: 'bad_from' };
  const to = get('To');
  const sid = get('MessageSid') ?? get('SmsSid');
  return {
    ok: true,
    value: {
      from,
      ...(to ? { to } : {}),
      text: body,
      receivedAt: meta.receivedAt,
      provider: meta.provider,
      ...(sid ? { messageSid: sid } : {}),
    },
  };
}

export interface WebhookAnswer {
  readonly status: 200 | 400 | 403;
  readonly contentType: string;
  readonly body: string;
  readonly inbound?: InboundSms;
  /** Why it was refused, for the log and a counter. */
  readonly refused?: 'bad_signature' | InboundParseError;
}

/**
 * One webhook request, start to end: verify, parse, answer. A forged request gets 403 and no
 * inbound; a malformed one 400. A genuine one gets the empty TwiML (200), so Twilio sends nothing.
 */
export function handleTwilioWebhook(args: {
  readonly authToken: string;
  readonly url: string;
  readonly rawBody: string;
  readonly signature: string | undefined;
  readonly receivedAt: number;
  readonly provider: string;
}): WebhookAnswer {
  const params = parseForm(args.rawBody);
  if (
    !verifyTwilioSignature({ authToken: args.authToken, url: args.url, params, signature: args.signature })
  ) {
    return {
      status: 403,
      contentType: 'text/plain; charset=utf-8',
      body: 'forbidden\n',
      refused: 'bad_signature',
    };
  }
  const parsed = parseTwilioInbound(params, { receivedAt: args.receivedAt, provider: args.provider });
  if (!parsed.ok)
    return {
      status: 400,
      contentType: 'text/plain; charset=utf-8',
      body: 'bad request\n',
      refused: parsed.error,
    };
  return { status: 200, contentType: TWIML_CONTENT_TYPE, body: TWIML_EMPTY, inbound: parsed.value };
}
