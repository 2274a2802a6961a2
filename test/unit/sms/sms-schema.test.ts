import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/config/load.js';
import { smsSchema } from '../../../src/sms/sms-schema.js';

/** Each issue as the loader prints it: `key: message`. */
const issues = (input: unknown): string[] => {
  const r = smsSchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => {
    const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0] ?? ''] : i.path;
    return `${formatPath(path)}: ${i.message}`;
  });
};
const SID = `AC${'0'.repeat(32)}`;

describe('sms config schema', () => {
  it('accepts every provider type with defaults filled in', () => {
    const r = smsSchema.parse({
      providers: [
        {
          name: 'tw',
          type: 'twilio',
          account_sid: SID,
          auth_token_file: '/etc/mfa/twilio',
          from: '+15005550006',
        },
        { name: 'vo', type: 'vonage', api_key: 'k', api_secret_file: 'vonage', from: 'ACME' },
        { name: 'mb', type: 'messagebird', access_key_file: 'mb', originator: 'ACME' },
        { name: 'eagle', type: 'smseagle', base_url: 'https://eagle.lan', access_token_file: 'eagle' },
        {
          name: 'smsc',
          type: 'smpp',
          url: 'smpp://10.0.0.5:2775',
          system_id: 'mfa',
          password_file: 'smpp',
          source_addr: 'ACME',
        },
        {
          name: 'gw',
          type: 'http',
          url: 'https://gw.example/send?to={phone_digits}&text={message}',
          method: 'GET',
          success: { status: [200], body_regex: '^OK' },
        },
      ],
    });
    expect(r.providers[0]).toMatchObject({ base_url: 'https://api.twilio.com', timeout: 10 });
    expect(r.providers[4]).toMatchObject({ rate: 10, burst: 1, enquire_link_interval: 30, system_type: '' });
    expect(r.providers[5]).toMatchObject({ headers: {}, timeout: 10 });
  });

  it.each([
    [
      'an unknown type',
      { providers: [{ name: 'x', type: 'sns' }] },
      /^providers\[0\]\.type: Invalid discriminator value\. Expected 'http' \| 'twilio' \| 'vonage' \| 'messagebird' \| 'smseagle' \| 'smpp'$/,
    ],
    [
      'an unknown key',
      { providers: [{ name: 'v', type: 'vonage', api_key: 'k', api_secret: 's', from: 'A', sender: 'x' }] },
      /^providers\[0\]\.sender: /,
    ],
    [
      'no secret',
      { providers: [{ name: 'v', type: 'vonage', api_key: 'k', from: 'A' }] },
      /^providers\[0\]\.api_secret: missing: set api_secret_file .* or api_secret$/,
    ],
    [
      'both secret and file',
      {
        providers: [
          { name: 'm', type: 'messagebird', access_key: 'a', access_key_file: 'f', originator: 'A' },
        ],
      },
      /^providers\[0\]\.access_key_file: give access_key or access_key_file, not both$/,
    ],
    [
      'a bad Account SID',
      { providers: [{ name: 't', type: 'twilio', account_sid: 'AC1', auth_token: 't', from: '+1' }] },
      /account_sid: expected the Account SID/,
    ],
    [
      'twilio without a sender',
      { providers: [{ name: 't', type: 'twilio', account_sid: SID, auth_token: 't' }] },
      /from: missing: set from/,
    ],
    [
      'http never using {message}',
      {
        providers: [
          { name: 'g', type: 'http', url: 'https://g.example/s', body: { form: { to: '{phone}' } } },
        ],
      },
      /body: the request never uses \{message\}/,
    ],
    [
      'a URL that does not parse',
      {
        providers: [{ name: 'g', type: 'http', url: 'https://[::1/s?t={message}&p={phone}', method: 'GET' }],
      },
      /url: not a valid URL/,
    ],
    [
      'a placeholder in the host',
      {
        providers: [
          { name: 'g', type: 'http', url: 'https://{secret}.example/s?t={message}&p={phone}', secret: 'x' },
        ],
      },
      /url: placeholders may not be in the scheme or host/,
    ],
    [
      '{secret} without a secret',
      {
        providers: [
          {
            name: 'g',
            type: 'http',
            url: 'https://g.example/s',
            headers: { 'X-Key': '{secret}' },
            body: { json: { t: '{message}', p: '{phone}' } },
          },
        ],
      },
      /secret_file: missing: \{secret\} is used/,
    ],
    [
      'a bad regex',
      {
        providers: [
          {
            name: 'g',
            type: 'http',
            url: 'https://g.example/s?t={message}&p={phone}',
            method: 'GET',
            success: { body_regex: '(' },
          },
        ],
      },
      /success\.body_regex: not a valid regular expression/,
    ],
    [
      'two bodies',
      {
        providers: [
          {
            name: 'g',
            type: 'http',
            url: 'https://g.example/s',
            body: { form: { t: '{message}' }, json: { p: '{phone}' } },
          },
        ],
      },
      /body: expected exactly one of json, form or text/,
    ],
    [
      'an smpp url without scheme',
      {
        providers: [
          { name: 's', type: 'smpp', url: '10.0.0.5:2775', system_id: 'a', password: 'p', source_addr: 'A' },
        ],
      },
      /url: expected smpp:\/\/host:port or ssmpp:\/\/host:port/,
    ],
    [
      'ca_file on plain smpp',
      {
        providers: [
          {
            name: 's',
            type: 'smpp',
            url: 'smpp://h:2775',
            system_id: 'a',
            password: 'p',
            source_addr: 'A',
            ca_file: '/ca',
          },
        ],
      },
      /ca_file: ca_file needs TLS: use an ssmpp:\/\/ url/,
    ],
    [
      'duplicate names',
      {
        providers: [
          { name: 'v', type: 'vonage', api_key: 'k', api_secret: 's', from: 'A' },
          { name: 'v', type: 'vonage', api_key: 'k', api_secret: 's', from: 'A' },
        ],
      },
      /^providers\[1\]\.name: "v" is used twice; names must be unique$/,
    ],
    ['no providers', { providers: [] }, /^providers: expected at least one provider$/],
  ])('%s: a message naming the key and the fix', (_, input, re) => {
    const found = issues(input);
    expect(
      found.some((m) => re.test(m)),
      found.join('\n'),
    ).toBe(true);
  });
});
