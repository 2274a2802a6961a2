import { describe, expect, it } from 'vitest';
import { parseJsonPath, getJsonPath } from '../../../src/sms/json-path.js';
import {
  substitute,
  substituteJsonValue,
  substituteUrl,
  urlHostHasPlaceholder,
} from '../../../src/sms/template.js';

const values = {
  phone: '+4915112345678',
  phone_digits: '4915112345678',
  message: 'a&b "c"\nd ü',
  secret: 's3cr3t',
};

describe('templates', () => {
  it('encodes each value for where it lands', () => {
    expect(substitute('to={phone}&t={message}', values, 'form')).toBe(
      'to=%2B4915112345678&t=a%26b+%22c%22%0Ad+%C3%BC',
    );
    expect(substitute('{"t":"{message}"}', values, 'json')).toBe('{"t":"a&b \\"c\\"\\nd ü"}');
    expect(JSON.parse(substitute('{"t":"{message}"}', values, 'json'))).toEqual({ t: values.message });
    expect(substitute('X {message}', values, 'header')).toBe('X a&b "c" d ü');
  });

  it('leaves unknown braces alone (JSON templates are full of them)', () => {
    expect(substitute('{"a":{"b":"{phone_digits}"},"c":"{other}"}', values, 'json')).toBe(
      '{"a":{"b":"4915112345678"},"c":"{other}"}',
    );
  });

  it('URL: values are encoded per component, after the authority only', () => {
    expect(substituteUrl('https://h.example/{phone}/send?m={message}&k={secret}', values)).toBe(
      'https://h.example/%2B4915112345678/send?m=a%26b%20%22c%22%0Ad%20%C3%BC&k=s3cr3t',
    );
    expect(urlHostHasPlaceholder('https://{secret}.example/x')).toBe(true);
    expect(urlHostHasPlaceholder('https://h.example/{secret}')).toBe(false);
  });

  it('a JSON structure: placeholders in string values, keys untouched, other types kept', () => {
    expect(substituteJsonValue({ '{phone}': ['{phone}', 1, true, null], t: 'x {message}' }, values)).toEqual({
      '{phone}': ['+4915112345678', 1, true, null],
      t: `x ${values.message}`,
    });
  });
});

describe('json paths', () => {
  it('parses and reads dotted names and indices', () => {
    const doc = { messages: [{ status: '0', 'message-id': 'X1' }], sid: 'SM1' };
    expect(getJsonPath(doc, parseJsonPath('messages[0].status')!)).toBe('0');
    expect(getJsonPath(doc, parseJsonPath('messages[0].message-id')!)).toBe('X1');
    expect(getJsonPath(doc, parseJsonPath('sid')!)).toBe('SM1');
    expect(getJsonPath([{ id: 654 }], parseJsonPath('[0].id')!)).toBe(654);
    expect(getJsonPath(doc, parseJsonPath('messages[1].status')!)).toBeUndefined();
    expect(getJsonPath(doc, parseJsonPath('constructor')!)).toBeUndefined();
  });

  it.each(['', '.a', 'a..b', 'a[x]', 'a[0', '[0]]'])('rejects %j', (p) => {
    expect(parseJsonPath(p)).toBeUndefined();
  });
});
