// A benchmark anchor, not product code: the least a Node 20 process must do to proxy PAP safely.
// It verifies the client's Message-Authenticator, re-hides User-Password for the home server, adds
// Proxy-State and a Message-Authenticator, checks the home's Response Authenticator and (required)
// Message-Authenticator, and answers with the Message-Authenticator first. No policy, no logging,
// no duplicate cache, no failover: what is left is node:dgram and node:crypto, which is the floor
// under any Node implementation (see the bench output: ours / Node floor).
// Usage: node node-floor-proxy.mjs PORT HOME_PORT CLIENT_SECRET HOME_SECRET
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';

const [port, homePort] = process.argv.slice(2, 4).map(Number);
const clientSecret = Buffer.from(process.argv[4]);
const homeSecret = Buffer.from(process.argv[5]);
const server = dgram.createSocket('udp4');
const upstream = dgram.createSocket('udp4');
const pending = new Array(256);
let nextId = 0;

const md5 = (...parts) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const find = (m, type) => {
  for (let o = 20; o + 1 < m.length && m[o + 1] >= 2; o += m[o + 1]) if (m[o] === type) return o;
  return -1;
};
const hmacZeroed = (m, secret, valueAt, vector) => {
  const z = Buffer.from(m);
  z.fill(0, valueAt, valueAt + 16);
  if (vector) vector.copy(z, 4);
  return createHmac('md5', secret).update(z).digest();
};

server.on('message', (m, rinfo) => {
  if (m.length < 20 || m.readUInt16BE(2) !== m.length || m[0] !== 1) return;
  const ma = find(m, 80);
  const pw = find(m, 2);
  const un = find(m, 1);
  if (ma < 0 || pw < 0 || un < 0) return;
  if (!timingSafeEqual(hmacZeroed(m, clientSecret, ma + 2), m.subarray(ma + 2, ma + 18))) return;
  const hidden = m.subarray(pw + 2, pw + m[pw + 1]);
  const plain = Buffer.alloc(hidden.length);
  let chain = m.subarray(4, 20);
  for (let i = 0; i < hidden.length; i += 16) {
    const b = md5(clientSecret, chain);
    for (let j = 0; j < 16; j++) plain[i + j] = hidden[i + j] ^ b[j];
    chain = hidden.subarray(i, i + 16);
  }
  const id = nextId;
  nextId = (nextId + 1) & 255;
  const authenticator = randomBytes(16);
  const name = m.subarray(un, un + m[un + 1]);
  const length = 20 + 18 + name.length + 2 + plain.length + 6;
  const out = Buffer.alloc(length);
  out[0] = 1;
  out[1] = id;
  out.writeUInt16BE(length, 2);
  authenticator.copy(out, 4);
  out[20] = 80;
  out[21] = 18;
  name.copy(out, 38);
  let o = 38 + name.length;
  out[o] = 2;
  out[o + 1] = 2 + plain.length;
  chain = authenticator;
  for (let i = 0; i < plain.length; i += 16) {
    const b = md5(homeSecret, chain);
    for (let j = 0; j < 16; j++) out[o + 2 + i + j] = plain[i + j] ^ b[j];
    chain = out.subarray(o + 2 + i, o + 18 + i);
  }
  o += 2 + plain.length;
  out[o] = 33;
  out[o + 1] = 6;
  out.writeUInt32BE(id, o + 2);
  createHmac('md5', homeSecret).update(out).digest().copy(out, 22);
  pending[id] = { request: m, rinfo, authenticator };
  upstream.send(out);
});

upstream.on('message', (a) => {
  const p = pending[a[1]];
  if (!p || a.length < 20 || a.readUInt16BE(2) !== a.length) return;
  const expected = md5(a.subarray(0, 4), p.authenticator, a.subarray(20), homeSecret);
  if (!timingSafeEqual(expected, a.subarray(4, 20))) return;
  const ma = find(a, 80);
  if (ma < 0) return;
  if (!timingSafeEqual(hmacZeroed(a, homeSecret, ma + 2, p.authenticator), a.subarray(ma + 2, ma + 18))) return;
  pending[a[1]] = undefined;
  const reply = Buffer.alloc(38);
  reply[0] = a[0];
  reply[1] = p.request[1];
  reply.writeUInt16BE(38, 2);
  p.request.copy(reply, 4, 4, 20);
  reply[20] = 80;
  reply[21] = 18;
  createHmac('md5', clientSecret).update(reply).digest().copy(reply, 22);
  md5(reply, clientSecret).copy(reply, 4);
  server.send(reply, p.rinfo.port, p.rinfo.address);
});

upstream.connect(homePort, '127.0.0.1', () => server.bind(port, '127.0.0.1'));
