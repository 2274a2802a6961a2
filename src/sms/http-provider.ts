import { validateHeaderValue } from 'node:http';
import type { Clock } from '../shared/clock.js';
import { HttpClient, type HttpCall } from './http-request.js';
import { maskPhone, scrubPhone } from './mask.js';
import {
  type SendOptions,
  type SendResult,
  type SmsMessage,
  type SmsSender,
  type Timers,
  failed,
  systemTimers,
} from './sms-sender.js';
import type { SuccessRule } from './success-check.js';
import { judge } from './success-check.js';
import {
  encodeForm,
  substitute,
  substituteJsonValue,
  substituteUrl,
  type TemplateValues,
} from './template.js';

/**
 * The generic HTTP SMS provider (privacyIDEA's HttpSMSProvider and multiOTP's custom provider do
 * the same job): a request template filled with the number and the finished text, and a success
 * rule over the status code and, optionally, the body. The presets (Twilio, Vonage, ...) are
 * settings for this class.
 */

export type HttpAuth =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

export type HttpBody =
  /** A structure whose string values are templates; serialised with JSON.stringify. */
  | { readonly kind: 'json'; readonly value: unknown }
  /** A JSON text with placeholders; values are JSON-escaped. */
  | { readonly kind: 'json_text'; readonly template: string }
  /** application/x-www-form-urlencoded; values are URL-encoded. */
  | { readonly kind: 'form'; readonly fields: Readonly<Record<string, string>> }
  /** Any other text; values are inserted as they are. */
  | { readonly kind: 'text'; readonly template: string; readonly contentType: string };

export interface HttpProviderSettings {
  readonly name: string;
  readonly method: string;
  /** A template: `https://api.example.com/send?to={phone}&text={message}` */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly auth?: HttpAuth;
  /** What `{secret}` stands for (read from a file at start). */
  readonly secret?: string;
  readonly body?: HttpBody;
  readonly success: SuccessRule;
  readonly timeoutMs: number;
  /** PEM: trust only this CA for the provider's certificate. */
  readonly ca?: string;
}

export interface HttpProviderDeps {
  readonly clock: Clock;
  readonly timers?: Timers;
}

export class HttpSmsProvider implements SmsSender {
  readonly name: string;
  private readonly client: HttpClient;

  constructor(
    private readonly s: HttpProviderSettings,
    deps: HttpProviderDeps,
  ) {
    this.name = s.name;
    const https = /^https:/i.test(s.url);
    this.client = new HttpClient(https, s.ca, deps.clock, deps.timers ?? systemTimers);
  }

  async send(msg: SmsMessage, opts: SendOptions): Promise<SendResult> {
    const values: TemplateValues = {
      phone: msg.to,
      phone_digits: msg.to.replace(/^\+/, ''),
      message: msg.text,
      secret: this.s.secret ?? '',
    };
    let call: HttpCall;
    try {
      call = this.buildCall(values);
    } catch (e) {
      // A template that yields an invalid URL: a config problem, reported as a result.
      return failed(this.name, 'rejected', `cannot build the request: ${(e as Error).message.slice(0, 100)}`);
    }
    const outcome = await this.client.exchange(call, {
      timeoutMs: this.s.timeoutMs,
      deadline: opts.deadline,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const to = maskPhone(msg.to);
    if (outcome.kind !== 'response') {
      return failed(this.name, outcome.kind, scrubPhone(`${outcome.detail} (to ${to})`, msg.to));
    }
    const verdict = judge(this.s.success, outcome.status, outcome.body);
    if (!verdict.ok)
      return failed(this.name, verdict.reason, scrubPhone(`${verdict.detail} (to ${to})`, msg.to));
    return verdict.messageId !== undefined
      ? { kind: 'sent', provider: this.name, messageId: verdict.messageId }
      : { kind: 'sent', provider: this.name };
  }

  private buildCall(values: TemplateValues): HttpCall {
    const headers: Record<string, string> = {
      'user-agent': 'mfa-radius-proxy',
      accept: 'application/json, */*;q=0.5',
    };
    for (const [k, v] of Object.entries(this.s.headers)) {
      const value = substitute(v, values, 'header');
      // Throws on what no header can carry (RFC 9110 §5.5); send() turns that into a result.
      validateHeaderValue(k, value);
      headers[k.toLowerCase()] = value;
    }
    const auth = this.s.auth;
    if (auth?.type === 'basic') {
      // RFC 7617 §2: base64 of user-id ":" password.
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    } else if (auth?.type === 'bearer') {
      headers.authorization = `Bearer ${auth.token}`; // RFC 6750 §2.1
    }
    const body = this.s.body;
    let text: string | undefined;
    if (body?.kind === 'json') {
      text = JSON.stringify(substituteJsonValue(body.value, values));
      headers['content-type'] ??= 'application/json';
    } else if (body?.kind === 'json_text') {
      text = substitute(body.template, values, 'json');
      headers['content-type'] ??= 'application/json';
    } else if (body?.kind === 'form') {
      // Each field value is one component: its literal text is encoded too ('+' in a From number).
      text = Object.entries(body.fields)
        .map(([k, v]) => `${encodeForm(k)}=${encodeForm(substitute(v, values, 'none'))}`)
        .join('&');
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (body?.kind === 'text') {
      text = substitute(body.template, values, 'none');
      headers['content-type'] ??= body.contentType;
    }
    return {
      method: this.s.method,
      url: new URL(substituteUrl(this.s.url, values)),
      headers,
      ...(text !== undefined ? { body: text } : {}),
    };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
