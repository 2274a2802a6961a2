import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../../src/config/load.js';
import { LockoutPolicy } from '../../../../src/factors/lockout.js';
import { MemoryAuthCache } from '../../../../src/state/auth-cache.js';
import { TotpFactor } from '../../../../src/factors/totp.js';
import { effectivePolicy } from '../../../../src/policy/effective-policy.js';
import { GroupPolicy } from '../../../../src/policy/group-policy.js';
import type { PortalRuntime } from '../../../../src/services/portal-runtime.js';
import { cryptoRng, ManualClock } from '../../../../src/shared/clock.js';
import { Store } from '../../../../src/store/store.js';
import type { HttpAnswer, HttpRoute } from '../../../../src/web/http-route.js';
import { buildPortal } from '../../../../src/web/portal/portal-app.js';
import { FakePrimary, type FakeUser } from '../../../helpers/pipeline-fakes.js';

/**
 * The portal's routes as plain functions over the real store, lockout policy, TOTP factor and
 * policy, with a fake directory and a manual clock: a browser without a browser.
 */
export interface PortalHarness {
  readonly clock: ManualClock;
  readonly store: Store;
  readonly lockout: LockoutPolicy;
  /** RADIUS's remembered logins, shared with the portal as in the app. */
  readonly authCache: MemoryAuthCache;
  readonly primary: FakePrimary;
  readonly logs: Array<Record<string, unknown>>;
  readonly browser: Browser;
  runtimeTotp(): TotpFactor;
  newBrowser(src?: string): Browser;
  close(): void;
}

export class Browser {
  cookie: string | undefined;
  constructor(
    private readonly routes: readonly HttpRoute[],
    readonly src: string,
  ) {}

  async get(pathAndQuery: string): Promise<HttpAnswer & { text: string }> {
    const [path, q] = pathAndQuery.split('?');
    return this.send('GET', path!, q ? `?${q}` : '', '');
  }

  /** A form post; the session's CSRF token is added unless `csrf` is given (null: none at all). */
  async post(
    path: string,
    fields: Record<string, string>,
    csrf?: string | null,
  ): Promise<HttpAnswer & { text: string }> {
    const token = csrf === undefined ? await this.csrf() : csrf;
    const form = new URLSearchParams({ ...fields, ...(token !== null ? { csrf: token } : {}) }).toString();
    return this.send('POST', path, '', form);
  }

  /** The CSRF token of the current session (a GET of the sign-in page makes one). */
  async csrf(): Promise<string> {
    let page = await this.get(this.lastPath);
    for (let i = 0; i < 3 && page.status === 303; i++) page = await this.get(String(page.headers?.location));
    const m = /name="csrf" value="([^"]+)"/.exec(page.text);
    if (!m) throw new Error(`no csrf on ${this.lastPath}: ${page.status}`);
    return m[1]!;
  }

  /** Where a form's token is read from: the page the user is on. */
  lastPath = '/portal/';

  private async send(method: 'GET' | 'POST', path: string, query: string, body: string) {
    const route = this.routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`no route ${method} ${path}`);
    const a = await route.handle({
      method,
      path,
      query,
      headers: this.cookie ? { cookie: this.cookie } : {},
      body,
      src: this.src,
    });
    const set = a.headers?.['set-cookie'];
    const first = Array.isArray(set) ? set[0] : set;
    if (typeof first === 'string') {
      const m = /^(__Host-mfa-portal)=([^;]*)/.exec(first);
      if (m) this.cookie = m[2] ? `${m[1]}=${m[2]}` : undefined;
    }
    if (method === 'GET' && a.status === 200) this.lastPath = path + query;
    return { ...a, text: typeof a.body === 'string' ? a.body : a.body.toString('utf8') };
  }
}

export function portalHarness(users: Record<string, FakeUser>, extraYaml: string[] = []): PortalHarness {
  const dir = mkdtempSync(join(tmpdir(), 'portal-unit-'));
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const loaded = parseConfig({
    file: join(dir, 'config.yaml'),
    text: [
      `data_dir: ${join(dir, 'data')}`,
      'clients:',
      '  - { name: vpn, address: 127.0.0.1, secret: a-long-secret-of-20c }',
      'http:',
      '  listen: [{ address: 127.0.0.1, port: 8443 }]',
      '  public_url: https://mfa.example.com',
      'lockout: { max_failures: 3, window_sec: 300, lock_sec: 900 }',
      ...extraYaml,
      '',
    ].join('\n'),
  });
  const config = loaded.config;
  const store = Store.open(config.data_dir, { clock });
  const lockout = new LockoutPolicy({
    repo: store.lockouts,
    clock,
    options: { maxFailures: 3, windowSec: 300, lockSec: 900 },
  });
  const primary = new FakePrimary(users);
  const authCache = new MemoryAuthCache(clock, cryptoRng);
  const runtime: PortalRuntime = {
    primary,
    lockout,
    policy: new GroupPolicy(effectivePolicy(config), { exemptUsers: config.mfa.exempt_users }),
    totp: new TotpFactor({ tokens: store.tokens, clock, options: { digits: 6, period: 30, window: 1 } }),
    sms: undefined,
    authCache,
  };
  const logs: Array<Record<string, unknown>> = [];
  const log = {
    info: (o: object) => logs.push(o as Record<string, unknown>),
    warn: (o: object) => logs.push(o as Record<string, unknown>),
  };
  const routes = buildPortal({
    runtime: () => runtime,
    config: () => config,
    configFile: loaded.file,
    store,
    clock,
    // Session ids, CSRF tokens and seeds must differ per call; the tests read seeds off the page.
    rng: cryptoRng,
    log,
  });
  return {
    clock,
    store,
    lockout,
    primary,
    authCache,
    logs,
    browser: new Browser(routes, '192.0.2.10'),
    runtimeTotp: () => runtime.totp,
    newBrowser: (src = '192.0.2.11') => new Browser(routes, src),
    close: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
