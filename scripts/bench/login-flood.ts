import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { PacketCode } from '../../src/radius/codes.js';
import { accessRequest, stateOf, totp, udpAsker } from './radius-packets.js';

export interface BenchUser {
  readonly name: string;
  readonly password: string;
  readonly seed: Buffer;
}

export interface FloodResult {
  readonly logins: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

/**
 * Full challenge-mode logins (password → Access-Challenge → code + State → Access-Accept), from
 * `concurrency` simulated gateways at once, each user used once (a TOTP code is accepted once).
 */
export async function loginFlood(opts: {
  port: number;
  secret: Buffer;
  users: readonly BenchUser[];
  concurrency: number;
  seconds: number;
  clockMs?: () => number;
}): Promise<FloodResult> {
  const { secret } = opts;
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const deadline = performance.now() + opts.seconds * 1000;
  const start = performance.now();
  const worker = async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    let id = 0;
    const ask = udpAsker(sock, opts.port);
    while (performance.now() < deadline && next < opts.users.length) {
      const u = opts.users[next++]!;
      const t0 = performance.now();
      const first = await ask(accessRequest(secret, u.name, u.password)(id++ & 0xff));
      if (!first || first[0] !== PacketCode.AccessChallenge) {
        failed++;
        continue;
      }
      const code = totp(u.seed, opts.clockMs?.() ?? Date.now());
      const second = await ask(accessRequest(secret, u.name, code, stateOf(first))(id++ & 0xff));
      if (second?.[0] === PacketCode.AccessAccept) times.push(performance.now() - t0);
      else failed++;
    }
    sock.close();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(times).sort();
  const pct = (p: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
  return { logins: times.length, failed, perSecond: times.length / seconds, p50ms: pct(50), p99ms: pct(99) };
}
