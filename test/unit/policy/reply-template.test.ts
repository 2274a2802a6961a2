import { describe, expect, it } from 'vitest';
import { replyTemplateSchema } from '../../../src/policy/policy-schema.js';
import { maxBytesFor, packGroups, renderReply, splitBytes } from '../../../src/policy/reply-template.js';

const t = (x: Record<string, unknown>) => replyTemplateSchema.parse(x);
const ctx = (groups: string[], separator = ',') => ({ groups, user: 'alice', login: 'EX\\alice', separator });

describe('renderReply', () => {
  it('static standard attributes, numbers stay numbers', () => {
    expect(renderReply(t({ attribute: 'Filter-Id', value: 'acl-1' }), ctx([]))).toEqual([
      { name: 'Filter-Id', value: 'acl-1' },
    ]);
    expect(renderReply(t({ attribute: 'Session-Timeout', value: 3600 }), ctx([]))).toEqual([
      { name: 'Session-Timeout', value: 3600 },
    ]);
    expect(renderReply(t({ attribute: 'Framed-IP-Address', value: '10.0.0.7' }), ctx([]))).toEqual([
      { name: 'Framed-IP-Address', value: '10.0.0.7' },
    ]);
    expect(renderReply(t({ attribute: 8, value: '10.0.0.7' }), ctx([]))).toEqual([
      { name: 8, value: '10.0.0.7' },
    ]);
  });

  it('Cisco ASA: one Class "OU=<group>;" per group', () => {
    expect(
      renderReply(t({ attribute: 'Class', value: 'OU={group};' }), ctx(['vpn-admins', 'vpn-users'])),
    ).toEqual([
      { name: 'Class', value: 'OU=vpn-admins;' },
      { name: 'Class', value: 'OU=vpn-users;' },
    ]);
  });

  it('vendor attributes with the groups joined by the separator', () => {
    expect(
      renderReply(t({ attribute: 'Fortinet-Group-Name', value: '{groups}' }), ctx(['a', 'b', 'c'])),
    ).toEqual([{ name: 'Fortinet-Group-Name', value: 'a,b,c' }]);
    expect(
      renderReply(
        t({ attribute: 'Citrix-User-Groups', value: 'CTXSUserGroups={groups}' }),
        ctx(['a', 'b'], ';'),
      ),
    ).toEqual([{ name: 'Citrix-User-Groups', value: 'CTXSUserGroups=a;b' }]);
    expect(renderReply(t({ attribute: 'PaloAlto-User-Group', value: '{groups}' }), ctx(['x']))).toEqual([
      { name: 'PaloAlto-User-Group', value: 'x' },
    ]);
  });

  it('no groups → no attribute rather than an empty one', () => {
    expect(renderReply(t({ attribute: 'Class', value: 'OU={group};' }), ctx([]))).toEqual([]);
    expect(renderReply(t({ attribute: 'Fortinet-Group-Name', value: '{groups}' }), ctx([]))).toEqual([]);
    expect(renderReply(t({ attribute: 'Filter-Id', value: '' }), ctx([]))).toEqual([]);
  });

  it('{user} and {login}; substitution is single-pass (a group named "{user}" stays literal)', () => {
    expect(renderReply(t({ attribute: 'Reply-Message', value: 'Hi {user} ({login})' }), ctx([]))).toEqual([
      { name: 'Reply-Message', value: 'Hi alice (EX\\alice)' },
    ]);
    expect(renderReply(t({ attribute: 'Class', value: 'g={groups}' }), ctx(['{user}']))).toEqual([
      { name: 'Class', value: 'g={user}' },
    ]);
  });

  it('splits long group lists over several attributes at group boundaries (247 bytes for VSAs)', () => {
    const groups = Array.from({ length: 40 }, (_, i) => `Group-Number-${String(i).padStart(2, '0')}`); // 15 bytes each
    const out = renderReply(
      t({ attribute: 'Citrix-User-Groups', value: 'CTXSUserGroups={groups}' }),
      ctx(groups),
    );
    expect(out.length).toBe(3);
    for (const a of out) {
      expect(Buffer.byteLength(String(a.value))).toBeLessThanOrEqual(247);
      expect(String(a.value).startsWith('CTXSUserGroups=')).toBe(true);
    }
    const back = out.flatMap((a) => String(a.value).slice('CTXSUserGroups='.length).split(','));
    expect(back).toEqual(groups);
  });

  it('standard attributes get 253 bytes; max_bytes overrides', () => {
    expect(maxBytesFor(t({ attribute: 'Class', value: 'x' }))).toBe(253);
    expect(maxBytesFor(t({ attribute: 'Fortinet-Group-Name', value: 'x' }))).toBe(247);
    expect(maxBytesFor(t({ attribute: 26, value: 'x' }))).toBe(247);
    expect(maxBytesFor(t({ attribute: 'Class', value: 'x', max_bytes: 64 }))).toBe(64);
    const long = 'x'.repeat(600);
    expect(
      renderReply(t({ attribute: 'Class', value: long }), ctx([])).map((a) => String(a.value).length),
    ).toEqual([253, 253, 94]);
  });
});

describe('splitting helpers', () => {
  it('splitBytes never cuts a UTF-8 character', () => {
    const s = 'é'.repeat(200); // 400 bytes
    const parts = splitBytes(s, 253);
    expect(parts.join('')).toBe(s);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(253);
    expect(parts[0]?.length).toBe(126);
  });

  it('packGroups cuts a single over-long group by bytes and carries on', () => {
    const render = (j: string) => `G=${j}`;
    const out = packGroups(['a', 'y'.repeat(30), 'b', 'c'], ',', 12, render);
    for (const v of out) expect(Buffer.byteLength(v)).toBeLessThanOrEqual(12);
    expect(out[0]).toBe('G=a');
    expect(out.at(-1)).toBe('G=b,c');
  });
});
