import type { HttpProviderSettings } from './http-provider.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

/**
 * Well-known providers as settings of the generic HTTP provider. Each takes a `baseUrl` (tests
 * point it at loopback; an EU region or a proxy in production). Secrets arrive already read from
 * their files.
 */

interface Common {
  readonly name: string;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly ca?: string;
}

const path = (p: string): JsonPath => parseJsonPath(p)!;
const base = (u: string): string => u.replace(/\/+$/, '');
const withCa = (ca: string | undefined): { ca?: string } => (ca !== undefined ? { ca } : {});

export interface TwilioPreset extends Common {
  readonly accountSid: string;
  readonly authToken: string;
  /** Either a sender number / alphanumeric id, or a Messaging Service. */
  readonly from?: string;
  readonly messagingServiceSid?: string;
}

/** Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`. */
export function twilioSettings(p: TwilioPreset): HttpProviderSettings {
  const fields: Record<string, string> = { To: '{phone}', Body: '{message}' };
  if (p.messagingServiceSid !== undefined) fields.MessagingServiceSid = p.messagingServiceSid;
  if (p.from !== undefined) fields.From = p.from;
  return {
    name: p.name,
    method: 'POST',
    url: `${base(p.baseUrl)}/2010-04-01/Accounts/${encodeURIComponent(p.accountSid)}/Messages.json`,
    headers: {},
    // Basic auth with the Account SID as user and the Auth Token as password.
    auth: { type: 'basic', username: p.accountSid, password: p.authToken },
    body: { kind: 'form', fields },
    // 201 Created with the new Message resource, whose `sid` (SM...) identifies it.
    success: {
      status: [201],
      json: { path: path('sid'), pathText: 'sid' },
      messageIdPath: path('sid'),
      errorPath: path('message'),
    },
    timeoutMs: p.timeoutMs,
    ...withCa(p.ca),
  };
}

export interface VonagePreset extends Common {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly from: string;
}

/**
 * Vonage (Nexmo) SMS API: `POST /sms/json`. A failure comes back as HTTP 200 with
 * `messages[0].status` other than "0" (e.g. "2" missing parameters, "4" invalid credentials).
 */
export function vonageSettings(p: VonagePreset): HttpProviderSettings {
  return {
    name: p.name,
    method: 'POST',
    url: `${base(p.baseUrl)}/sms/json`,
    headers: {},
    secret: p.apiSecret,
    // Vonage wants the number without '+'.
    body: {
      kind: 'form',
      fields: {
        api_key: p.apiKey,
        api_secret: '{secret}',
        from: p.from,
        to: '{phone_digits}',
        text: '{message}',
      },
    },
    success: {
      status: [200],
      json: { path: path('messages[0].status'), pathText: 'messages[0].status', equals: '0' },
      messageIdPath: path('messages[0].message-id'),
      errorPath: path('messages[0].error-text'),
    },
    timeoutMs: p.timeoutMs,
    ...withCa(p.ca),
  };
}

export interface MessageBirdPreset extends Common {
  readonly accessKey: string;
  readonly originator: string;
}

/** MessageBird (Bird) REST API: `POST /messages` with `Authorization: AccessKey ...`, 201 on success. */
export function messageBirdSettings(p: MessageBirdPreset): HttpProviderSettings {
  return {
    name: p.name,
    method: 'POST',
    url: `${base(p.baseUrl)}/messages`,
    headers: { authorization: 'AccessKey {secret}' },
    secret: p.accessKey,
    body: {
      kind: 'json',
      value: { originator: p.originator, recipients: ['{phone_digits}'], body: '{message}' },
    },
    success: { status: [201], messageIdPath: path('id'), errorPath: path('errors[0].description') },
    timeoutMs: p.timeoutMs,
    ...withCa(p.ca),
  };
}

export interface SmsEaglePreset extends Common {
  readonly accessToken: string;
}

/**
 * SMSEagle (an on-site hardware gateway), HTTP API v2: `POST /api/v2/messages/sms` with an
 * `access-token` header and JSON `{"to": ["+48..."], "text": "..."}`; the answer is one entry per
 * recipient, `[{"status":"queued", ..., "id": 654}]`.
 */
export function smsEagleSettings(p: SmsEaglePreset): HttpProviderSettings {
  return {
    name: p.name,
    method: 'POST',
    url: `${base(p.baseUrl)}/api/v2/messages/sms`,
    headers: { 'access-token': '{secret}' },
    secret: p.accessToken,
    body: { kind: 'json', value: { to: ['{phone}'], text: '{message}' } },
    success: {
      status: [200, 201],
      json: { path: path('[0].id'), pathText: '[0].id' },
      messageIdPath: path('[0].id'),
    },
    timeoutMs: p.timeoutMs,
    ...withCa(p.ca),
  };
}
