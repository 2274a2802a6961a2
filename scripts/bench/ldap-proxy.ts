import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { freeUdpPort } from '../../test/helpers/ports.js';
import { startSlapd } from '../../test/helpers/slapd.js';
import { BENCH_PASSWORD, benchLdif } from './ldap-login.js';
import { closedLoop } from './loadgen.js';
import { fmt, spawnProxy, writeBenchConfig } from './proxy-process.js';
import { accessRequest, totp } from './radius-packets.js';

const uid = (i: number) => `bench-${String(i).padStart(5, '0')}`;

/**
 * Issue 3's benchmark, end to end: concat logins (directory password + TOTP in one field) through
 * the proxy, slapd as the directory, every login a different enrolled user; once with the service
 * connection reused, once with a new connection per login.
 */
export async function benchLdapProxy(opts: { users: number; logins: number; window: number }): Promise<void> {
  const slapd = await startSlapd({ usersAndGroups: false, extraLdif: [benchLdif(opts.users)] });
  process.stdout.write(
    `\n== ldap: concat logins through the proxy, slapd directory, ${opts.logins} distinct enrolled users, ${opts.window} outstanding ==\n`,
  );
  try {
    for (const reuse of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'mfa-bench-ldap-'));
      const port = await freeUdpPort();
      const secret = randomBytes(12).toString('hex');
      const seeds: Buffer[] = [];
      const store = Store.open(join(dir, 'data'));
      for (let i = 0; i < opts.logins; i++) {
        seeds.push(randomBytes(20));
        store.tokens.add(uid(i), { secret: seeds[i]! });
      }
      store.close();
      const config = writeBenchConfig(join(dir, 'config.yaml'), {
        port,
        dataDir: join(dir, 'data'),
        secret,
        mfaMode: 'concat',
        directory: [
          'directory:',
          '  type: ldap',
          '  flavour: openldap',
          `  servers: ["${slapd.url}"]`,
          `  bind_dn: "${slapd.serviceDn}"`,
          `  bind_password: "${slapd.servicePassword}"`,
          `  base_dn: "${slapd.suffix}"`,
          `  reuse_connections: ${reuse}`,
          '  group_cache_ttl_sec: 0',
        ],
        extra: ['log:', '  stats_interval_sec: 0'],
      });
      const proxy = await spawnProxy(config, process.env.BENCH_NO_PIN ? undefined : '1');
      try {
        const secretBuf = Buffer.from(secret);
        const now = Date.now();
        const r = await closedLoop({
          label: `concat via slapd, ${reuse ? 'connection reused' : 'new connection per login'}`,
          port,
          total: opts.logins,
          window: opts.window,
          timeoutMs: 10_000,
          make: (id, seq) =>
            accessRequest(secretBuf, uid(seq), `${BENCH_PASSWORD(seq)}${totp(seeds[seq]!, now)}`)(id),
        });
        process.stdout.write(
          `${r.label.padEnd(52)} ${fmt(r.perSecond, 0).padStart(6)} logins/s  p50 ${fmt(r.p50ms, 1)} ms  p99 ${fmt(r.p99ms, 1)} ms  accepted ${r.codes[2] ?? 0}/${r.sent}\n`,
        );
      } finally {
        await proxy.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await slapd.stop();
  }
}
