import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessProxy } from '../../helpers/in-process.js';
import { login, startProxyFor, startUpstream, upstreamLogins } from './upstream-env.js';

/**
 * Issue 9 item 10: Debian 12's FreeRADIUS 3.2.1, as installed, sends no Message-Authenticator in
 * its replies. require_message_authenticator (true | false | auto) per upstream server, and the
 * README's recipe that makes FreeRADIUS sign, both against the real server.
 */

type Upstream = Awaited<ReturnType<typeof startUpstream>>;
type Mode = boolean | 'auto';

/** The README's FreeRADIUS blocks, used as written. */
const readme = readFileSync('README.md', 'utf8');
const textBlocks = [...readme.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!);
const SIGN_BLOCK = textBlocks.find((b) => b.startsWith('update reply {'));
const CLIENT_BLOCK = textBlocks.find((b) => b.startsWith('client mfa-radius-proxy {'));

/** A PAP site whose post-auth is the README's recipe: the signing block in both places it names. */
function signingSite(port: number): string {
  return `server upstream {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  authorize {
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
  post-auth {
${SIGN_BLOCK}
    Post-Auth-Type REJECT {
      attr_filter.access_reject
${SIGN_BLOCK}
    }
  }
}
`;
}

/** The README's client entry, for loopback and this test's secret. */
function readmeClient(secret: string): string {
  return CLIENT_BLOCK!
    .replace(/ipaddr = .*/, 'ipaddr = 127.0.0.0/8')
    .replace(/secret = .*/, `secret = ${secret}`);
}

/** 2 s per transmission and one retry: waiting an unsigned answer out would take 4 s. */
function proxyFor(up: Upstream, mode?: Mode, extraYaml: string[] = []): Promise<InProcessProxy> {
  return startProxyFor(
    [{ port: up.port, secret: up.secret, timeout: 2, retries: 1, requireMessageAuthenticator: mode }],
    { extraYaml: ['mfa:', '  exempt_users: [carol]', ...extraYaml] },
  );
}

const warnings = (p: InProcessProxy, event: string) => p.logs.filter((l) => l.event === event);

async function timedLogin(p: InProcessProxy, password: string) {
  const t0 = Date.now();
  const r = await login(p, 'carol', password);
  return { code: r.code, ms: Date.now() - t0, audit: p.audits().at(-1)! };
}

describe('FreeRADIUS 3.2.1 as installed: replies without Message-Authenticator', () => {
  let up: Upstream;
  const proxies: Partial<Record<'strict' | 'off' | 'auto', InProcessProxy>> = {};
  beforeAll(async () => {
    up = await startUpstream({ messageAuthenticator: false });
    // One counted failure would lock carol out: upstream_unsigned must not count.
    proxies.strict = await proxyFor(up, undefined, ['lockout:', '  max_failures: 1']);
    proxies.off = await proxyFor(up, false);
    proxies.auto = await proxyFor(up, 'auto');
  });
  afterAll(async () => {
    for (const p of Object.values(proxies)) await p?.stop();
    await up?.fr.stop();
  });

  it('true (default): the login fails with upstream_unsigned at once, right or wrong password', async () => {
    const p = proxies.strict!;
    expect(warnings(p, 'upstream_ma_not_required')).toEqual([]);
    const before = upstreamLogins(up.fr, 'carol');
    const right = await timedLogin(p, 'carol-pw');
    expect(right.code).toBe('Access-Reject');
    expect(right.audit).toMatchObject({ result: 'reject', reason: 'upstream_unsigned' });
    // FreeRADIUS did accept the password: only the missing signature made us refuse it.
    expect(upstreamLogins(up.fr, 'carol')).toBe(before + 1);
    const wrong = await timedLogin(p, 'not-carol-pw');
    expect(wrong.audit).toMatchObject({ result: 'reject', reason: 'upstream_unsigned' });
    // Not the 4 s of timeout x (1 + retries): ended when the unsigned answer came.
    for (const r of [right, wrong]) {
      expect(r.audit.latency_ms).toBeLessThan(1000);
      expect(r.ms).toBeLessThan(2000);
    }
    expect((await timedLogin(p, 'carol-pw')).audit).toMatchObject({ reason: 'upstream_unsigned' });
    const c = p.app.upstream()!.counters;
    expect(c.refused_unsigned).toBe(3);
    expect(c.dropped_missing_message_authenticator).toBe(3);
    expect(c.retransmitted).toBe(0);
    expect(warnings(p, 'upstream_unsigned_reply')).toMatchObject([
      { level: 'warn', server: `127.0.0.1:${up.port}` },
    ]);
  });

  it.each(['off', 'auto'] as const)(
    '%s: a warning at start naming the server; logins work',
    async (which) => {
      const p = proxies[which]!;
      expect(warnings(p, 'upstream_ma_not_required')).toMatchObject([
        {
          level: 'warn',
          server: `127.0.0.1:${up.port}`,
          require_message_authenticator: which === 'off' ? false : 'auto',
        },
      ]);
      const ok = await timedLogin(p, 'carol-pw');
      expect(ok.code).toBe('Access-Accept');
      expect(ok.audit).toMatchObject({ result: 'accept', reason: 'mfa_exempt' });
      // A wrong password is the upstream's Reject, at once, not a timeout.
      const wrong = await timedLogin(p, 'not-carol-pw');
      expect(wrong.audit).toMatchObject({ result: 'reject', reason: 'upstream_reject' });
      expect(wrong.audit.latency_ms).toBeLessThan(1000);
      expect(p.app.upstream()!.counters.accepted_unsigned).toBe(2);
    },
  );
});

describe("FreeRADIUS 3.2.1 signing by the README's recipe; auto remembers it", () => {
  let up: Upstream;
  let strict: InProcessProxy;
  let auto: InProcessProxy;
  beforeAll(async () => {
    expect(SIGN_BLOCK).toBeDefined();
    expect(CLIENT_BLOCK).toBeDefined();
    up = await startUpstream({ sites: signingSite, clients: readmeClient });
    strict = await proxyFor(up);
    auto = await proxyFor(up, 'auto');
  });
  afterAll(async () => {
    await strict?.stop();
    await auto?.stop();
    await up?.fr.stop();
  });

  it('the recipe signs Access-Accept and Access-Reject: require_message_authenticator true works', async () => {
    expect((await timedLogin(strict, 'carol-pw')).audit).toMatchObject({
      result: 'accept',
      reason: 'mfa_exempt',
    });
    expect((await timedLogin(strict, 'not-carol-pw')).audit).toMatchObject({ reason: 'upstream_reject' });
    const c = strict.app.upstream()!.counters;
    expect(c.answered).toBe(2);
    expect(c.dropped_missing_message_authenticator).toBe(0);
  });

  it('auto: after one signed reply, an unsigned reply from that server (same address, port, secret) is refused', async () => {
    expect((await timedLogin(auto, 'carol-pw')).code).toBe('Access-Accept');
    expect(warnings(auto, 'upstream_ma_learned')).toMatchObject([{ server: `127.0.0.1:${up.port}` }]);
    // The same server restarted as installed (no signing), on the same port with the same secret.
    const { port, secret } = up;
    await up.fr.stop();
    up = await startUpstream({ messageAuthenticator: false, port, secret });
    const before = upstreamLogins(up.fr, 'carol');
    const r = await timedLogin(auto, 'carol-pw');
    expect(r.code).toBe('Access-Reject');
    expect(r.audit).toMatchObject({ reason: 'upstream_unsigned' });
    expect(r.audit.latency_ms).toBeLessThan(1000);
    expect(upstreamLogins(up.fr, 'carol')).toBe(before + 1);
    expect(auto.app.upstream()!.counters.accepted_unsigned).toBe(0);
  });

  it('3.2.1 refuses require_message_authenticator = auto in clients.conf (a 3.2.5 value)', async () => {
    await expect(
      startUpstream({ sites: signingSite, clients: (s) => readmeClient(s).replace('= yes', '= auto') }),
    ).rejects.toThrow(/Invalid value "auto"/);
  });
});
