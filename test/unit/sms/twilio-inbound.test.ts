import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  TWIML_EMPTY,
  handleTwilioWebhook,
  parseForm,
  parseTwilioInbound,
  twilioSignature,
  twilioSignedData,
  verifyTwilioSignature,
} from '../../../src/sms/twilio-inbound.js';

/** An independent HMAC-SHA1: the openssl CLI. */
const opensslSig = (key: string, data: string): string =>
  execFileSync('sh', ['-c', 'openssl dgst -sha1 -hmac "$KEY" -binary | base64'], {
    input: data,
    env: { ...process.env, KEY: key },
  })
    .toString()
    .trim();

describe('X-Twilio-Signature', () => {
  it("matches Twilio's documented example (twilio-php docs, usage/validation)", () => {
    // https://twilio-php-atbaker.readthedocs.io/en/latest/usage/validation.html: token 12345.
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params: [string, string][] = [
      ['CallSid', 'CA1234567890ABCDE'],
      ['Caller', '+14158675309'],
      ['Digits', '1234'],
      ['From', '+14158675309'],
      ['To', '+18005551212'],
    ];
    expect(twilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(
      verifyTwilioSignature({ authToken: '12345', url, params, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }),
    ).toBe(true);
  });

  it('agrees with openssl over an inbound SMS form (unsorted, non-ASCII, empty values)', () => {
    const token = 'f00dfacecafe0123456789abcdef0123';
    const url = 'https://mfa.example.com/sms/twilio?site=berlin';
    const body =
      'ToCountry=DE&SmsMessageSid=SM11&Body=Ja+%C3%BC+%26+%3D&To=%2B4930123456&NumMedia=0&From=%2B4915112345678&MessageSid=SM11&AccountSid=AC1&ToCity=';
    const params = parseForm(body);
    const data = twilioSignedData(url, params);
    // Sorted by name in code-unit order: To < ToCity < ToCountry; an empty value still counts.
    expect(data).toBe(
      `${url}AccountSidAC1BodyJa ü & =From+4915112345678MessageSidSM11NumMedia0SmsMessageSidSM11` +
        'To+4930123456ToCityToCountryDE',
    );
    expect(twilioSignature(token, url, params)).toBe(opensslSig(token, data));
  });

  it('refuses a tampered body, another URL, a wrong or missing signature', () => {
    const token = 'tok';
    const url = 'https://mfa.example.com/sms';
    const params = parseForm('From=%2B4915112345678&Body=YES');
    const sig = opensslSig(token, `${url}BodyYESFrom+4915112345678`);
    expect(verifyTwilioSignature({ authToken: token, url, params, signature: sig })).toBe(true);
    expect(
      verifyTwilioSignature({
        authToken: token,
        url,
        params: parseForm('From=%2B4915112345678&Body=NO'),
        signature: sig,
      }),
    ).toBe(false);
    expect(verifyTwilioSignature({ authToken: token, url: `${url}2`, params, signature: sig })).toBe(false);
    expect(verifyTwilioSignature({ authToken: 'other', url, params, signature: sig })).toBe(false);
    expect(verifyTwilioSignature({ authToken: token, url, params, signature: undefined })).toBe(false);
    expect(verifyTwilioSignature({ authToken: token, url, params, signature: '' })).toBe(false);
    expect(verifyTwilioSignature({ authToken: token, url, params, signature: sig.slice(1) })).toBe(false);
  });

  it('accepts the URL with or without the standard port (Twilio signs what it called)', () => {
    const params = parseForm('From=%2B4915112345678&Body=OK');
    const sig = opensslSig('tok', 'https://mfa.example.com:443/smsBodyOKFrom+4915112345678');
    expect(
      verifyTwilioSignature({ authToken: 'tok', url: 'https://mfa.example.com/sms', params, signature: sig }),
    ).toBe(true);
    const sig2 = opensslSig('tok', 'https://mfa.example.com/smsBodyOKFrom+4915112345678');
    expect(
      verifyTwilioSignature({
        authToken: 'tok',
        url: 'https://mfa.example.com:443/sms',
        params,
        signature: sig2,
      }),
    ).toBe(true);
  });
});

describe('inbound form and TwiML', () => {
  it('parses From, To, Body, MessageSid into an InboundSms', () => {
    const r = parseTwilioInbound(
      parseForm('From=%2B4915112345678&To=%2B4930123456&Body=YES+4711&MessageSid=SMabc'),
      {
        receivedAt: 1000,
        provider: 'twilio',
      },
    );
    expect(r).toEqual({
      ok: true,
      value: {
        from: '+4915112345678',
        to: '+4930123456',
        text: 'YES 4711',
        receivedAt: 1000,
        provider: 'twilio',
        messageSid: 'SMabc',
      },
    });
  });

  it('a form without From or Body, or a From that is no E.164 number, is an error result', () => {
    const meta = { receivedAt: 0, provider: 't' };
    expect(parseTwilioInbound(parseForm('Body=x'), meta)).toEqual({ ok: false, error: 'missing_from' });
    expect(parseTwilioInbound(parseForm('From=%2B4915112345678'), meta)).toEqual({
      ok: false,
      error: 'missing_body',
    });
    expect(parseTwilioInbound(parseForm('From=ACME&Body=x'), meta)).toEqual({ ok: false, error: 'bad_from' });
  });

  it('the empty TwiML answer sends no reply', () => {
    expect(TWIML_EMPTY).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  it('handleTwilioWebhook: 200 + TwiML + inbound for a genuine request, 403 for a forged one', () => {
    const url = 'https://mfa.example.com/sms';
    const rawBody = 'From=%2B4915112345678&Body=YES';
    const signature = opensslSig('tok', `${url}BodyYESFrom+4915112345678`);
    const ok = handleTwilioWebhook({
      authToken: 'tok',
      url,
      rawBody,
      signature,
      receivedAt: 5,
      provider: 'twilio',
    });
    expect(ok).toMatchObject({
      status: 200,
      body: TWIML_EMPTY,
      inbound: { from: '+4915112345678', text: 'YES' },
    });
    const forged = handleTwilioWebhook({
      authToken: 'tok',
      url,
      rawBody: 'From=%2B4915112345678&Body=NO',
      signature,
      receivedAt: 5,
      provider: 'twilio',
    });
    expect(forged).toMatchObject({ status: 403, refused: 'bad_signature' });
    expect(forged.inbound).toBeUndefined();
  });
});
