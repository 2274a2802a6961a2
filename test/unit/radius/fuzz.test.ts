import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAttributes, rawTlv } from '../../../src/radius/attributes.js';
import {
  messageAuthenticatorStatus,
  verifyAccountingRequest,
  verifyResponse,
} from '../../../src/radius/authenticators.js';
import { Attr, PacketCode } from '../../../src/radius/codes.js';
import { loadDictionaries } from '../../../src/radius/dictionary.js';
import { parseFrame } from '../../../src/radius/frame.js';
import { hidePassword, unhidePassword } from '../../../src/radius/password.js';
import { buildRequest } from '../../../src/radius/request.js';
import { buildResponse } from '../../../src/radius/response.js';
import { encoded, frameOf, hex, readFixture, SeededRng } from './helpers.js';

const secret = Buffer.from('fuzz-secret');
const rng = new SeededRng(0xf022);
const ITERATIONS_PER_BASE = 4000;

beforeAll(() => loadDictionaries());

function mutate(base: Buffer): Buffer {
  let p = Buffer.from(base);
  const steps = 1 + rng.int(3);
  for (let s = 0; s < steps; s++) {
    switch (rng.int(8)) {
      case 0: // flip one bit
        if (p.length > 0) p[rng.int(p.length)]! ^= 1 << rng.int(8);
        break;
      case 1: // set a random octet
        if (p.length > 0) p[rng.int(p.length)] = rng.int(256);
        break;
      case 2: // truncate
        p = p.subarray(0, rng.int(p.length + 1));
        break;
      case 3: // extend with random octets (padding or garbage)
        p = Buffer.concat([p, rng.bytes(1 + rng.int(40))]);
        break;
      case 4: // edit the Length field
        if (p.length >= 4) {
          const choices = [0, 19, 20, 4096, 4097, 65535, p.length - 1, p.length + 1, rng.int(65536)];
          p.writeUInt16BE(Math.max(0, Math.min(65535, choices[rng.int(choices.length)]!)), 2);
        }
        break;
      case 5: // edit an attribute length octet
        if (p.length > 21) p[20 + rng.int(p.length - 21) + 1] = [0, 1, 2, 3, 255, rng.int(256)][rng.int(6)]!;
        break;
      case 6: {
        // insert random octets in the middle
        const at = rng.int(p.length + 1);
        p = Buffer.concat([p.subarray(0, at), rng.bytes(1 + rng.int(8)), p.subarray(at)]);
        break;
      }
      default: {
        // duplicate a slice (e.g. a second MA)
        const from = rng.int(p.length + 1);
        const to = Math.min(p.length, from + rng.int(20));
        p = Buffer.concat([p, p.subarray(from, to)]);
      }
    }
  }
  return p;
}

type Check = (datagram: Buffer) => void;

/** Runs every wire-level function on a mutated datagram; none may throw. */
const exerciseAll: Check = (datagram) => {
  const r = parseFrame(datagram);
  if (!r.ok) return;
  const f = r.value;
  // Framing invariants: exactly Length octets, attributes contiguous from 20 to Length.
  expect(f.raw.length).toBe(f.length);
  let off = 20;
  for (const a of f.attributes) {
    expect(a.offset).toBe(off);
    off += 2 + a.value.length;
  }
  expect(off).toBe(f.length);
  messageAuthenticatorStatus(f, secret);
  verifyAccountingRequest(f, secret);
  verifyResponse(f, rng.bytes(16), secret, { requireMessageAuthenticator: true });
  decodeAttributes(f);
  for (const a of f.attributes)
    if (a.type === Attr.UserPassword) unhidePassword(a.value, secret, f.authenticator);
  buildResponse({ code: PacketCode.AccessReject, request: f, secret, attributes: [] });
};

interface Base {
  name: string;
  bytes: Buffer;
  /** True when this datagram's own checks pass; any such datagram must carry the original packet. */
  verifies: (datagram: Buffer) => boolean;
}

function bases(): Base[] {
  const auth = rng.bytes(16);
  const accessRequest = buildRequest({
    code: PacketCode.AccessRequest,
    identifier: 1,
    secret,
    authenticator: auth,
    attributes: [
      rawTlv(Attr.UserName, Buffer.from('fuzzer')),
      rawTlv(Attr.UserPassword, hidePassword(Buffer.from('hunter2'), secret, auth)),
      rawTlv(Attr.ProxyState, hex('0102')),
      ...encoded('Cisco-AVPair', 'shell:priv-lvl=1'),
    ],
  });
  const statusServer = buildRequest({
    code: PacketCode.StatusServer,
    identifier: 2,
    secret,
    authenticator: rng.bytes(16),
    attributes: [],
  });
  const accounting = buildRequest({
    code: PacketCode.AccountingRequest,
    identifier: 3,
    secret,
    attributes: [rawTlv(Attr.AcctSessionId, Buffer.from('s')), ...encoded('Acct-Status-Type', 'Start')],
    addMessageAuthenticator: true,
  });
  const req = frameOf(accessRequest);
  const accept = buildResponse({
    code: PacketCode.AccessAccept,
    request: req,
    secret,
    attributes: [
      ...encoded('Reply-Message', 'r'.repeat(300)),
      ...encoded('MS-Primary-DNS-Server', '10.1.1.1'),
    ],
  });
  if (!accept.ok) throw new Error(accept.error);
  const raw = (d: Buffer) => {
    const r = parseFrame(d);
    return r.ok ? r.value : undefined;
  };
  const cap = readFixture<{ secret: string; exchanges: { request: string; response: string }[] }>(
    'freeradius-3.2.1-captures.json',
  );
  const capRequest = frameOf(hex(cap.exchanges[0]!.request));
  return [
    {
      name: 'Access-Request',
      bytes: accessRequest,
      verifies: (d) => {
        const f = raw(d);
        return f !== undefined && messageAuthenticatorStatus(f, secret) === 'valid';
      },
    },
    {
      name: 'Status-Server',
      bytes: statusServer,
      verifies: (d) => {
        const f = raw(d);
        return f !== undefined && messageAuthenticatorStatus(f, secret) === 'valid';
      },
    },
    {
      name: 'Accounting-Request',
      bytes: accounting,
      verifies: (d) => {
        const f = raw(d);
        return f !== undefined && verifyAccountingRequest(f, secret);
      },
    },
    {
      name: 'Access-Accept',
      bytes: accept.value,
      verifies: (d) => {
        const f = raw(d);
        return (
          f !== undefined &&
          verifyResponse(f, req.authenticator, secret, { requireMessageAuthenticator: true }) === 'valid'
        );
      },
    },
    {
      name: 'freeradius Access-Accept',
      bytes: hex(cap.exchanges[0]!.response),
      verifies: (d) => {
        const f = raw(d);
        const opts = { requireMessageAuthenticator: false };
        return (
          f !== undefined &&
          verifyResponse(f, capRequest.authenticator, Buffer.from(cap.secret), opts) === 'valid'
        );
      },
    },
  ];
}

describe('fuzz: random mutations of valid packets', () => {
  it.each(bases().map((b) => [b.name, b] as const))(
    '%s: nothing throws; only the original verifies',
    (_name, base) => {
      expect(base.verifies(base.bytes)).toBe(true);
      let verified = 0;
      for (let i = 0; i < ITERATIONS_PER_BASE; i++) {
        const datagram = mutate(base.bytes);
        expect(() => exerciseAll(datagram)).not.toThrow();
        if (base.verifies(datagram)) {
          verified++;
          // Only padding past Length may differ from the original.
          expect(datagram.subarray(0, base.bytes.length).equals(base.bytes)).toBe(true);
        }
      }
      expect(verified).toBeLessThan(ITERATIONS_PER_BASE);
    },
  );

  it('pure random datagrams never throw', () => {
    for (let i = 0; i < 3000; i++) {
      const d = rng.bytes(rng.int(120));
      if (d.length >= 4 && rng.int(2) === 0) d.writeUInt16BE(Math.min(d.length, 20 + rng.int(100)), 2);
      expect(() => exerciseAll(d)).not.toThrow();
    }
  });
});
