import { execFileSync } from 'node:child_process';

/**
 * X-Twilio-Signature as Twilio computes it, by an independent implementation (the openssl CLI):
 * base64(HMAC-SHA1(token, url + each POST parameter sorted by name, as name + value)).
 */
export function twilioSign(token: string, url: string, form: string): string {
  const params = [...new URLSearchParams(form)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const data = url + params.map(([k, v]) => k + v).join('');
  return execFileSync('sh', ['-c', 'openssl dgst -sha1 -hmac "$KEY" -binary | base64'], {
    input: data,
    env: { ...process.env, KEY: token },
  })
    .toString()
    .trim();
}

/** An inbound SMS as Twilio posts it (its parameter order and spelling). */
export function twilioInboundForm(from: string, body: string): string {
  return new URLSearchParams([
    ['ToCountry', 'DE'],
    ['SmsMessageSid', 'SM9f0b5c2a3d4e5f60718293a4b5c6d7e8'],
    ['NumMedia', '0'],
    ['SmsSid', 'SM9f0b5c2a3d4e5f60718293a4b5c6d7e8'],
    ['SmsStatus', 'received'],
    ['Body', body],
    ['To', '+4915510000000'],
    ['NumSegments', '1'],
    ['MessageSid', 'SM9f0b5c2a3d4e5f60718293a4b5c6d7e8'],
    ['AccountSid', `AC${'0a'.repeat(16)}`],
    ['From', from],
    ['ApiVersion', '2010-04-01'],
  ]).toString();
}
