import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { ManualClock } from '../../../../src/shared/clock.js';
import { Store } from '../../../../src/store/store.js';
import { enrolmentPort, portalUrl } from '../../../../src/web/portal/portal-app.js';

/** `unenrolled: enroll` as the pipeline sees it: the portal's URL and a window in the store. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const CLIENT = 'clients:\n  - { name: vpn, address: 127.0.0.1, secret: a-long-secret-of-20c }\n';
const config = (extra: string) => parseConfig({ file: 'c.yaml', text: `${CLIENT}${extra}` }).config;
const HTTP = 'http:\n  listen: [{ address: 127.0.0.1 }]\n  public_url: https://mfa.example.com:8443/\n';

describe('the enrolment port', () => {
  it('names http.public_url + /portal/ and opens a window of portal.enrol_window_sec; ended windows go', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-app-'));
    dirs.push(dir);
    const clock = new ManualClock(Date.UTC(2026, 0, 15, 12));
    const store = Store.open(dir, { clock });
    try {
      const cfg = config(`${HTTP}portal: { enrol_window_sec: 600 }\n`);
      expect(portalUrl(cfg)).toBe('https://mfa.example.com:8443/portal/');
      const port = enrolmentPort(cfg, store, clock)!;
      expect(port.replyMessage).toBe(
        'Set up your second factor at https://mfa.example.com:8443/portal/ and log in again',
      );
      await port.openWindow('Erin');
      expect(store.enrolWindows.openUntil('erin', clock.now())).toBe(clock.now() + 600_000);
      clock.advance(600_000);
      expect(store.enrolWindows.openUntil('erin', clock.now())).toBeUndefined();
      await port.openWindow('bob');
      // erin's ended window was deleted when bob's opened.
      expect(store.enrolWindows.prune(0)).toBe(0);
      expect(store.enrolWindows.prune(clock.now() + 600_000)).toBe(1);
    } finally {
      store.close();
    }
  });

  it('is absent without http.public_url or with the portal off', () => {
    const store = { enrolWindows: {} } as unknown as Store;
    const clock = new ManualClock(0);
    expect(enrolmentPort(config(''), store, clock)).toBeUndefined();
    expect(enrolmentPort(config(`${HTTP}portal: { enabled: false }\n`), store, clock)).toBeUndefined();
  });
});
