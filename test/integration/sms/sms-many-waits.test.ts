import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessProxy, startInProcess } from '../../helpers/in-process.js';
import { quote, radclient } from '../../helpers/radclient.js';
import { registerSensitive } from '../../helpers/sensitive.js';
import { SmppTestServer } from '../../helpers/smpp-test-server.js';

const HELD = 12;
const phone = (i: number): string => `+49151000000${String(i).padStart(2, '0')}`;

/** Waits (bounded) for something the server does in response to the test's own action. */
async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Every request in flight shares the server's cancel signal (radius-server.ts): more than ten
 * held two-way logins (or SMS sends) at once are normal load, not a leak, and must not print
 * Node's MaxListenersExceededWarning ("possible EventTarget memory leak") into the admin's log.
 */
describe('many two-way SMS logins held at once', () => {
  let smsc: SmppTestServer;
  let p: InProcessProxy;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);

  beforeAll(async () => {
    registerSensitive('smpp-pw');
    smsc = await SmppTestServer.start({ systemId: 'mfa', password: 'smpp-pw' });
    p = await startInProcess({
      clientYaml: ['mfa_mode: challenge', 'nas_timeout: 30'],
      extraYaml: [
        'sms:',
        '  default_country: DE',
        '  mode: two_way',
        '  providers:',
        '    - name: smsc',
        '      type: smpp',
        `      url: smpp://127.0.0.1:${smsc.port}`,
        '      system_id: mfa',
        '      password: smpp-pw',
        '      source_addr: ACME',
        '      rate: 100',
        '      burst: 100',
      ],
    });
    for (let i = 0; i < HELD; i++) {
      await p.addUser(`u${i}`, `u${i}-right-pw`);
      p.app.store.phones.set(`u${i}`, phone(i));
      registerSensitive(phone(i), phone(i).slice(1));
    }
    await until(() => smsc.boundSessions === 1);
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await p?.stop();
    await smsc?.stop();
  });

  it(`${HELD} held logins print no MaxListenersExceededWarning, and each is answered`, async () => {
    const pending = Array.from({ length: HELD }, (_, i) =>
      radclient({
        server: p.server,
        secret: p.secret,
        timeoutSec: 20,
        attrs: { 'User-Name': quote(`u${i}`), 'User-Password': quote(`u${i}-right-pw`) },
      }),
    );
    await until(() => smsc.submits.length === HELD && p.timers.pending >= HELD);
    // Warnings are emitted on the next tick after the listener that crossed the limit.
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.name).filter((n) => n === 'MaxListenersExceededWarning')).toEqual([]);
    p.timers.advance(30_000);
    const replies = await Promise.all(pending);
    expect(replies.map((r) => r.code)).toEqual(Array(HELD).fill('Access-Challenge'));
  });
});
