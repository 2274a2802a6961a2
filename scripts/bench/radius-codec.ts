/**
 * Micro-benchmark of the RADIUS wire layer's hot path for one Status-Server:
 * parseFrame + messageAuthenticatorStatus + buildResponse (Access-Accept, MA first).
 * Run: node --import tsx scripts/bench/radius-codec.ts [seconds-per-round]
 * For context it also times the `radius` package doing the same (decode with MA check + encode_response).
 */
import { randomBytes } from 'node:crypto';
import radius from 'radius';
import { messageAuthenticatorStatus } from '../../src/radius/authenticators.js';
import { PacketCode } from '../../src/radius/codes.js';
import { loadDictionaries } from '../../src/radius/dictionary.js';
import { parseFrame } from '../../src/radius/frame.js';
import { buildRequest } from '../../src/radius/request.js';
import { buildResponse } from '../../src/radius/response.js';

const SECRET = 'bench-secret-0123456789';
const secret = Buffer.from(SECRET);
const seconds = Number(process.argv[2] ?? 1);
const ROUNDS = 5;

loadDictionaries();

// A pool of distinct Status-Server packets (random authenticators), as a probe stream would send.
const pool = Array.from({ length: 1024 }, (_, i) =>
  buildRequest({
    code: PacketCode.StatusServer,
    identifier: i % 256,
    secret,
    authenticator: randomBytes(16),
    attributes: [],
  }),
);

function ours(datagram: Buffer): number {
  const f = parseFrame(datagram);
  if (!f.ok) throw new Error(f.error);
  if (messageAuthenticatorStatus(f.value, secret) !== 'valid') throw new Error('bad MA');
  const r = buildResponse({ code: PacketCode.AccessAccept, request: f.value, secret, attributes: [] });
  if (!r.ok) throw new Error(r.error);
  return r.value.length;
}

function theirs(datagram: Buffer): number {
  const packet = radius.decode({ packet: datagram, secret: SECRET });
  return radius.encode_response({ packet, code: 'Access-Accept', secret: SECRET }).length;
}

function measure(fn: (d: Buffer) => number): number {
  let n = 0;
  let sink = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 256; i++) sink += fn(pool[(n + i) & 1023]!);
    n += 256;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0) throw new Error('unreachable');
  return n / elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [name, fn] of [
  ['src/radius (parseFrame + messageAuthenticatorStatus + buildResponse)', ours],
  ['radius 1.1.4 (decode + encode_response)', theirs],
] as const) {
  measure(fn); // warm-up
  const rates = Array.from({ length: ROUNDS }, () => measure(fn));
  const m = median(rates);
  process.stdout.write(
    `${name}: median ${Math.round(m).toLocaleString('en')} ops/s (${(1e6 / m).toFixed(2)} µs/op; ` +
      `rounds ${rates.map((r) => Math.round(r / 1000)).join('/')}k) on Node ${process.version}\n`,
  );
}
