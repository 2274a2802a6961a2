import { describe, expect, it } from 'vitest';
import { parseJsonPath } from '../../../src/sms/json-path.js';
import { judge } from '../../../src/sms/success-check.js';

const path = (p: string) => parseJsonPath(p)!;
const vonage = {
  status: [200],
  json: { path: path('messages[0].status'), pathText: 'messages[0].status', equals: '0' },
  messageIdPath: path('messages[0].message-id'),
  errorPath: path('messages[0].error-text'),
};

describe('judge', () => {
  it('status and JSON value both right: sent, with the message id', () => {
    expect(judge(vonage, 200, '{"messages":[{"status":"0","message-id":"M1"}]}')).toEqual({
      ok: true,
      messageId: 'M1',
    });
  });

  it('Vonage failure: HTTP 200 but status "2"', () => {
    expect(judge(vonage, 200, '{"messages":[{"status":"2","error-text":"Missing api_key"}]}')).toEqual({
      ok: false,
      reason: 'body_mismatch',
      detail: 'HTTP 200, messages[0].status is "2", expected "0" (provider says "Missing api_key")',
    });
  });

  it('a number equals its text form; a missing value or non-JSON body is a mismatch', () => {
    expect(judge(vonage, 200, '{"messages":[{"status":0}]}').ok).toBe(true);
    expect(judge(vonage, 200, '{"messages":[]}')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('is missing'),
    });
    expect(judge(vonage, 200, '<html>')).toMatchObject({
      ok: false,
      reason: 'body_mismatch',
      detail: 'HTTP 200, body is not JSON',
    });
  });

  it('exists-check without equals: a non-empty value is needed', () => {
    const rule = { status: [201], json: { path: path('sid'), pathText: 'sid' } };
    expect(judge(rule, 201, '{"sid":"SM1"}').ok).toBe(true);
    expect(judge(rule, 201, '{"sid":""}').ok).toBe(false);
    expect(judge(rule, 201, '{}').ok).toBe(false);
  });

  it('status first: a wrong status is http_status, even with a matching body', () => {
    expect(judge(vonage, 500, '{"messages":[{"status":"0"}]}')).toMatchObject({
      ok: false,
      reason: 'http_status',
    });
  });

  it('body regex', () => {
    const rule = { status: [200], bodyRegex: /^OK\b/ };
    expect(judge(rule, 200, 'OK; id=5').ok).toBe(true);
    expect(judge(rule, 200, 'ERROR').ok).toBe(false);
  });
});
