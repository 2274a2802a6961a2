import { performance } from 'node:perf_hooks';
import { checkPassword } from '../../src/pipeline/check-password.js';
import { pathToFileURL } from 'node:url';
import { LdapDirectory } from '../../src/directory/ldap-directory.js';
import { type SlapdHarness, slapdDirectoryConfig, ssha, startSlapd } from '../../test/helpers/slapd.js';

/**
 * LDAP first-factor throughput and latency: LdapDirectory.authenticate (search as the service
 * account + one user bind + nested groups) against a real slapd, over many distinct users, with the
 * service connection reused (and a bind pool) versus new connections for every login.
 * Run alone: `node --import tsx scripts/bench/ldap-login.ts [users] [logins]`.
 */

export interface LdapLoginBenchOptions {
  /** Distinct users seeded (bench-00000 …); each login picks the next one. */
  readonly users: number;
  /** Logins measured per (mode, concurrency) cell, after a warm-up. */
  readonly logins: number;
  readonly concurrency: readonly number[];
  readonly bindPoolSize?: number;
}

export interface LdapLoginFigures {
  readonly mode: 'reuse' | 'new-connection';
  readonly concurrency: number;
  readonly logins: number;
  readonly failures: number;
  readonly perSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of this Node process (user + system) per login, in µs: the proxy's share of the work. */
  readonly cpuUsPerLogin: number;
}

export const BENCH_PASSWORD = (i: number) => `bench-pw-${i}`;
const uid = (i: number) => `bench-${String(i).padStart(5, '0')}`;

/** N users with {SSHA} passwords, each in one of 20 groups nested under `bench-all` (two levels). */
export function benchLdif(users: number): string {
  const out: string[] = [];
  for (let i = 0; i < users; i++) {
    out.push(
      `dn: uid=${uid(i)},ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: Bench ${i}\nsn: ${i}\nmobile: +1555${String(i).padStart(7, '0')}\nmail: ${uid(i)}@example.org\nuserPassword: ${ssha(BENCH_PASSWORD(i))}\n`,
    );
  }
  const teams: string[] = [];
  for (let g = 0; g < 20; g++) {
    const members = [];
    for (let i = g; i < users; i += 20) members.push(`member: uid=${uid(i)},ou=people,dc=example,dc=org`);
    if (members.length === 0) continue;
    teams.push(`member: cn=bench-team-${g},ou=groups,dc=example,dc=org`);
    out.push(
      `dn: cn=bench-team-${g},ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: bench-team-${g}\n${members.join('\n')}\n`,
    );
  }
  out.push(
    `dn: cn=bench-all,ou=groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: bench-all\n${teams.join('\n')}\n`,
  );
  return out.join('\n');
}

export async function benchLdapLogin(
  h: Pick<SlapdHarness, 'url' | 'serviceDn' | 'servicePassword' | 'suffix'>,
  o: LdapLoginBenchOptions,
): Promise<LdapLoginFigures[]> {
  const figures: LdapLoginFigures[] = [];
  let next = 0;
  for (const concurrency of o.concurrency) {
    for (const mode of ['reuse', 'new-connection'] as const) {
      const d = new LdapDirectory(
        slapdDirectoryConfig(h, {
          reuse_connections: mode === 'reuse',
          bind_pool_size: o.bindPoolSize ?? Math.max(1, concurrency),
          group_cache_ttl_sec: 0, // every login resolves its groups: the worst case
          timeout_ms: 10_000,
        }),
      );
      const run = async (count: number, lat: number[] | null): Promise<number> => {
        let failures = 0;
        let left = count;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (left-- > 0) {
              const i = next++ % o.users;
              const t0 = performance.now();
              const r = await d.authenticate({
                userName: uid(i),
                prepare: checkPassword(Buffer.from(BENCH_PASSWORD(i))),
                correlationId: 'bench',
                deadline: Date.now() + 30_000,
              });
              lat?.push(performance.now() - t0);
              if (r.kind !== 'ok' || r.identity.groups?.length !== 2) failures++;
            }
          }),
        );
        return failures;
      };
      await run(Math.min(200, o.logins), null); // warm-up: JIT, connections, slapd caches
      const lat: number[] = [];
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const failures = await run(o.logins, lat);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      await d.close();
      lat.sort((a, b) => a - b);
      figures.push({
        mode,
        concurrency,
        logins: o.logins,
        failures,
        perSec: Math.round(o.logins / seconds),
        p50Ms: round2(quantile(lat, 0.5)),
        p99Ms: round2(quantile(lat, 0.99)),
        cpuUsPerLogin: Math.round((cpu.user + cpu.system) / o.logins),
      });
    }
  }
  return figures;
}

export function formatFigures(f: readonly LdapLoginFigures[]): string {
  const head = 'mode             conc  logins  fail  logins/s   p50 ms   p99 ms  node CPU µs/login';
  const rows = f.map(
    (x) =>
      `${x.mode.padEnd(16)} ${String(x.concurrency).padStart(4)} ${String(x.logins).padStart(7)} ${String(x.failures).padStart(5)} ${String(x.perSec).padStart(9)} ${x.p50Ms.toFixed(2).padStart(8)} ${x.p99Ms.toFixed(2).padStart(8)} ${String(x.cpuUsPerLogin).padStart(18)}`,
  );
  return [head, ...rows].join('\n');
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The whole section for `npm run bench`: its own slapd with `users` users, both modes, printed. */
export async function runLdapLoginBench(o: Partial<LdapLoginBenchOptions> = {}): Promise<LdapLoginFigures[]> {
  const opts: LdapLoginBenchOptions = { users: 2000, logins: 4000, concurrency: [1, 16], ...o };
  const t0 = performance.now();
  const h = await startSlapd({ usersAndGroups: false, extraLdif: [benchLdif(opts.users)] });
  process.stdout.write(
    `ldap-login: slapd with ${opts.users} users ready in ${Math.round(performance.now() - t0)} ms\n`,
  );
  try {
    const figures = await benchLdapLogin(h, opts);
    process.stdout.write(`${formatFigures(figures)}\n`);
    return figures;
  } finally {
    await h.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runLdapLoginBench({
    users: Number(process.argv[2] ?? 2000),
    logins: Number(process.argv[3] ?? 4000),
  });
}
