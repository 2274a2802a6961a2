import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { clearCookie, parseCookies, setCookie } from '../../../src/web/kit/cookies.js';
import { parseForm, queryParams } from '../../../src/web/kit/form.js';
import { html, raw, render } from '../../../src/web/kit/html.js';
import { RateLimiter } from '../../../src/web/kit/rate-limiter.js';
import { WebSessions } from '../../../src/web/kit/web-sessions.js';

let n = 0;
const rng = { bytes: (k: number) => Buffer.alloc(k, ++n) };

describe('html', () => {
  it.each([
    ['<script>', '&lt;script&gt;'],
    ['a"b\'c', 'a&quot;b&#39;c'],
    ['x & y', 'x &amp; y'],
    [42, '42'],
    [undefined, ''],
    [false, ''],
  ])('escapes %j', (v, out) => {
    expect(render(html`<p>${v}</p>`)).toBe(`<p>${out}</p>`);
  });
  it('joins arrays of templates without escaping them, and raw() passes markup through', () => {
    const items = ['a<', 'b'].map((s) => html`<li>${s}</li>`);
    expect(render(html`<ul>${items}</ul>${raw('<hr>')}`)).toBe('<ul><li>a&lt;</li><li>b</li></ul><hr>');
  });
});

describe('form and query', () => {
  it('parses urlencoded fields, last value wins, bounded to 64 fields', () => {
    expect(Object.fromEntries(parseForm('a=1&b=x%20y&a=2'))).toEqual({ a: '2', b: 'x y' });
    const many = Array.from({ length: 200 }, (_, i) => `f${i}=v`).join('&');
    expect(parseForm(many).size).toBe(64);
    expect(queryParams('?t=abc').get('t')).toBe('abc');
  });
});

describe('cookies', () => {
  it('sets __Host- session cookies with Secure, HttpOnly and SameSite=Strict, and parses them back', () => {
    const c = setCookie('__Host-mfa-portal', 'abc_DEF-1', { maxAgeSec: 600 });
    expect(c).toBe('__Host-mfa-portal=abc_DEF-1; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=600');
    expect(clearCookie('__Host-mfa-portal')).toContain('Max-Age=0');
    expect(parseCookies('a=1; __Host-mfa-portal=xyz; a=2').get('a')).toBe('1');
    expect(parseCookies(undefined).size).toBe(0);
    expect(() => setCookie('x', 'bad;value')).toThrow();
  });
});

describe('WebSessions', () => {
  it('expires idle and old sessions by the injected clock, rotates ids, checks CSRF tokens', () => {
    const clock = new ManualClock(0);
    const s = new WebSessions<{ user: string }>({ idleMs: 1000, absoluteMs: 3000, clock, rng });
    const a = s.create({ user: 'alice' });
    expect(s.get(a.id)?.data.user).toBe('alice');
    expect(s.checkCsrf(a, a.csrf)).toBe(true);
    expect(s.checkCsrf(a, `${a.csrf}x`)).toBe(false);
    expect(s.checkCsrf(a, undefined)).toBe(false);
    clock.advance(900);
    expect(s.get(a.id)).toBeDefined();
    clock.advance(900);
    expect(s.get(a.id)).toBeDefined(); // touched at 900: idle 900 < 1000
    clock.advance(1001);
    expect(s.get(a.id)).toBeUndefined();
    const b = s.create({ user: 'bob' });
    const b2 = s.rotate(b.id, { user: 'bob' });
    expect(b2.id).not.toBe(b.id);
    expect(s.get(b.id)).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      clock.advance(900);
      s.get(b2.id);
    }
    clock.advance(400);
    expect(s.get(b2.id)).toBeUndefined(); // absolute lifetime 3000 passed
  });
  it('keeps at most maxSessions, dropping the oldest', () => {
    const s = new WebSessions<number>({ idleMs: 1e6, absoluteMs: 1e6, maxSessions: 2, clock: new ManualClock(0), rng });
    const first = s.create(1);
    s.create(2);
    s.create(3);
    expect(s.size).toBe(2);
    expect(s.get(first.id)).toBeUndefined();
  });
});

describe('RateLimiter', () => {
  it('allows limit takes per window per key, and a burst gets no more than a sequence', () => {
    const clock = new ManualClock(0);
    const r = new RateLimiter({ limit: 3, windowMs: 1000, maxKeys: 2 }, clock);
    expect([1, 2, 3, 4].map(() => r.take('a'))).toEqual([true, true, true, false]);
    expect(r.take('b')).toBe(true);
    clock.advance(1000);
    expect(r.take('a')).toBe(true);
    r.take('c'); // a third key: memory stays at two
    expect(r.take('c')).toBe(true);
  });
});
