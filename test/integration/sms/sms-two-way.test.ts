import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessProxy } from '../../helpers/in-process.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmppTestServer } from '../../helpers/smpp-test-server.js';

const PHONE = '+4915123456789';

/** Waits (bounded) for something the server does in response to the test's own action. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Two-way SMS (issue 10 item 5): the Access-Request is held until the phone replies; an SMPP SMSC
 * on loopback receives the submit_sm and sends the reply as deliver_sm. The wait runs on the
 * injected timers: no test sleeps for it.
 */
describe('two-way SMS through an SMPP SMSC', () => {
  let smsc: SmppTestServer;
  let smsc2: SmppTestServer;
  let challenge: InProcessProxy;
  let concat: InProcessProxy;

  const smsYaml = (port: number) => [
    'sms:',
    '  default_country: DE',
    '  mode: two_way',
    '  message: "Reply with {code} to log in"',
    '  providers:',
    '    - name: smsc',
    '      type: smpp',
    `      url: smpp://127.0.0.1:${port}`,
    '      system_id: mfa',
    '      password: smpp-pw',
    '      source_addr: ACME',
  ];

  beforeAll(async () => {
    registerSensitive('smpp-pw', PHONE, '4915123456789');
    smsc = await SmppTestServer.start({ systemId: 'mfa', password: 'smpp-pw' });
    // One SMSC per proxy: an SMSC delivers a reply on one bound session.
    smsc2 = await SmppTestServer.start({ systemId: 'mfa', password: 'smpp-pw' });
    challenge = await startInProcess({
      clientYaml: ['mfa_mode: challenge', 'nas_timeout: 30'],
      extraYaml: smsYaml(smsc.port),
    });
    concat = await startInProcess({
      clientYaml: ['mfa_mode: concat', 'nas_timeout: 30'],
      extraYaml: smsYaml(smsc2.port),
    });
    for (const p of [challenge, concat]) {
      await p.addUser('sam', 'sam-right-pw');
      p.app.store.phones.set('sam', PHONE);
    }
    await until(() => smsc.boundSessions === 1 && smsc2.boundSessions === 1);
  });
  afterAll(async () => {
    await challenge?.stop();
    await concat?.stop();
    await smsc?.stop();
    await smsc2?.stop();
  });

  const login = (p: InProcessProxy, password: string, state?: Buffer) =>
    radclient({
      server: p.server,
      secret: p.secret,
      timeoutSec: 20,
      attrs: {
        'User-Name': quote('sam'),
        'User-Password': quote(password),
        ...(state ? { State: `0x${state.toString('hex')}` } : {}),
      },
    });
  const reply = (text: string, via = smsc) =>
    via.deliver({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: PHONE.slice(1),
      destination_addr: 'ACME',
      esm_class: 0,
      short_message: text,
    });
  const sentCode = (via = smsc): string => {
    const code = /\d{6}/.exec(via.submits.at(-1)!.text)![0];
    registerSensitive(code);
    return code;
  };

  it('the request is held until the phone replies with the code, then Access-Accept (no challenge)', async () => {
    const before = smsc.submits.length;
    const pending = login(challenge, 'sam-right-pw');
    await until(() => smsc.submits.length === before + 1 && challenge.timers.pending > 0);
    expect(smsc.submits.at(-1)!.destination).toBe(PHONE.slice(1));
    await reply(`yes ${sentCode()}`);
    expect((await pending).code).toBe('Access-Accept');
    expect(challenge.audits().at(-1)).toMatchObject({ reason: 'mfa_ok' });
    expect(challenge.logs.filter((l) => l.event === 'sms_reply').at(-1)).toMatchObject({
      matched: true,
      from: '+49•••••••89',
    });
  });

  it('a reply without the code (an "ok", an auto-reply) does not end the wait and is not counted; the right one does', async () => {
    const before = smsc.submits.length;
    const pending = login(challenge, 'sam-right-pw');
    await until(() => smsc.submits.length === before + 1 && challenge.timers.pending > 0);
    await reply('ok thanks');
    await until(() => challenge.logs.some((l) => l.event === 'sms_reply' && l.matched === false));
    await until(() => challenge.timers.pending > 0);
    await reply(sentCode());
    expect((await pending).code).toBe('Access-Accept');
    expect(challenge.app.store.lockouts.countSince('sam', 0)).toBe(0);
  });

  it('no reply within the budget: an Access-Challenge; a reply that comes later, or the typed code, lets the user in', async () => {
    let before = smsc.submits.length;
    let pending = login(challenge, 'sam-right-pw');
    await until(() => smsc.submits.length === before + 1 && challenge.timers.pending > 0);
    challenge.timers.advance(30_000);
    const ch = await pending;
    expect(ch.code).toBe('Access-Challenge');
    expect(ch.attributes['Reply-Message']?.join('')).toMatch(/Reply to the SMS sent to ••• ••• 89/);
    // The phone answers after the challenge went out; the user presses Enter (types anything).
    await reply(sentCode());
    expect((await login(challenge, 'x', ch.state!)).code).toBe('Access-Accept');

    // Or the user types the code at the challenge.
    challenge.timers.advance(60_000);
    before = smsc.submits.length;
    pending = login(challenge, 'sam-right-pw');
    await until(() => smsc.submits.length === before + 1 && challenge.timers.pending > 0);
    challenge.timers.advance(30_000);
    const ch2 = await pending;
    expect(ch2.code).toBe('Access-Challenge');
    expect((await login(challenge, sentCode(), ch2.state!)).code).toBe('Access-Accept');
  });

  it('a client that cannot challenge (concat): the password alone starts the SMS; a reply lets in, no reply is sms_timeout', async () => {
    let before = smsc2.submits.length;
    let pending = login(concat, 'sam-right-pw');
    await until(() => smsc2.submits.length === before + 1 && concat.timers.pending > 0);
    await reply(sentCode(smsc2), smsc2);
    expect((await pending).code).toBe('Access-Accept');

    concat.timers.advance(60_000);
    before = smsc2.submits.length;
    pending = login(concat, 'sam-right-pw');
    await until(() => smsc2.submits.length === before + 1 && concat.timers.pending > 0);
    concat.timers.advance(30_000);
    expect((await pending).code).toBe('Access-Reject');
    expect(concat.audits().at(-1)).toMatchObject({ reason: 'sms_timeout' });
  });

  it('a drain (SIGTERM) answers a held two-way login at once with a reject instead of waiting it out', async () => {
    const smsc3 = await SmppTestServer.start({ systemId: 'mfa', password: 'smpp-pw' });
    const p = await startInProcess({
      clientYaml: ['mfa_mode: challenge', 'nas_timeout: 30'],
      extraYaml: smsYaml(smsc3.port),
    });
    try {
      await p.addUser('sam', 'sam-right-pw');
      p.app.store.phones.set('sam', PHONE);
      await until(() => smsc3.boundSessions === 1);
      const pending = login(p, 'sam-right-pw');
      await until(() => smsc3.submits.length === 1 && p.timers.pending > 0);
      // No timer is advanced: only the drain can end this wait.
      await p.app.stop();
      expect((await pending).code).toBe('Access-Reject');
      expect(p.audits().at(-1)).toMatchObject({ reason: 'sms_timeout' });
    } finally {
      // app.stop() already ran; only the temporary directory is left.
      rmSync(p.dir, { recursive: true, force: true });
      await smsc3.stop();
    }
  });
});
