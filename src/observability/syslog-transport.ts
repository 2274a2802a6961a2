import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { SyslogTransportName } from '../config/syslog-section.js';
import { octetCountingFrame } from './syslog-format.js';

/**
 * One connection to the syslog server: UDP (RFC 5426), TCP (RFC 6587) or TLS (RFC 5425). It only
 * moves bytes and reports what happened; queueing, reconnecting and counting are the destination's
 * (syslog-destination.ts).
 */

export interface LinkSettings {
  readonly transport: SyslogTransportName;
  readonly host: string;
  readonly port: number;
  /** How long a TCP/TLS connect may take before it counts as failed. */
  readonly connectTimeoutMs: number;
  readonly tls?: {
    readonly ca: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly servername: string;
  };
}

export interface LinkEvents {
  /** Connected: messages may be sent. */
  onUp(): void;
  /** A stream link that returned false from send() can take more again. */
  onDrain(): void;
  /** The link is gone (or never came up); the destination makes a new one later. */
  onDown(error: Error | undefined): void;
  /** A datagram could not be sent (UDP: e.g. ECONNREFUSED from an ICMP port unreachable). */
  onSendError(error: Error): void;
}

export interface SyslogLink {
  /** Sends one RFC 5424 message; false when a stream link's buffer is full (wait for onDrain). */
  send(message: Buffer): boolean;
  /** Sends what is buffered (for at most a second or two), then closes. */
  close(): Promise<void>;
}

export function openLink(s: LinkSettings, ev: LinkEvents): SyslogLink {
  return s.transport === 'udp' ? udpLink(s, ev) : streamLink(s, ev);
}

/** RFC 5426 §3.1: one message per datagram, no framing. */
function udpLink(s: LinkSettings, ev: LinkEvents): SyslogLink {
  const sock: UdpSocket = createSocket(isIP(s.host) === 6 ? 'udp6' : 'udp4');
  let down = false;
  const fail = (e: Error | undefined): void => {
    if (down) return;
    down = true;
    sock.close();
    ev.onDown(e);
  };
  sock.on('error', fail);
  // A connected socket: the host is resolved once, and ICMP errors come back to send's callback.
  sock.connect(s.port, s.host, () => ev.onUp());
  sock.unref();
  return {
    send(message) {
      if (down) return true;
      sock.send(message, (e) => {
        if (e) ev.onSendError(e);
      });
      return true;
    },
    close() {
      if (down) return Promise.resolve();
      down = true;
      return new Promise<void>((resolve) => sock.close(() => resolve()));
    },
  };
}

/** RFC 6587 §3.4.1 (TCP) and RFC 5425 §4.3 (TLS): octet-counting frames on one stream. */
function streamLink(s: LinkSettings, ev: LinkEvents): SyslogLink {
  const sock: Socket | TLSSocket =
    s.transport === 'tls' && s.tls
      ? tlsConnect({
          host: s.host,
          port: s.port,
          ca: s.tls.ca,
          cert: s.tls.cert,
          key: s.tls.key,
          servername: isIP(s.tls.servername) === 0 ? s.tls.servername : undefined,
          // RFC 5425 §4.2 makes TLS 1.2 the floor for syslog (RFC 9662 updated the cipher list).
          // Without servername (an IP literal), node checks the address against the IP SANs.
          minVersion: 'TLSv1.2',
        })
      : netConnect({ host: s.host, port: s.port });
  let up = false;
  let lastError: Error | undefined;
  let closedByUs = false;
  sock.setNoDelay(true);
  sock.setKeepAlive(true, 30_000);
  sock.setTimeout(s.connectTimeoutMs, () => {
    if (!up) sock.destroy(new Error(`no connection within ${s.connectTimeoutMs} ms`));
  });
  sock.unref();
  sock.once(s.transport === 'tls' ? 'secureConnect' : 'connect', () => {
    up = true;
    sock.setTimeout(0);
    ev.onUp();
  });
  sock.on('drain', () => ev.onDrain());
  sock.on('error', (e) => {
    lastError = e;
  });
  // A syslog receiver sends nothing (RFC 5425 §4.3.2 and RFC 6587): read and discard whatever comes.
  sock.on('data', () => {});
  sock.on('close', () => {
    if (!closedByUs) ev.onDown(lastError ?? new Error('the server closed the connection'));
  });
  return {
    send(message) {
      if (!up || sock.destroyed) return true;
      return sock.write(octetCountingFrame(message));
    },
    close() {
      closedByUs = true;
      if (sock.destroyed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        // end(): what is buffered still goes out; a server that never reads cannot hold us open.
        const t = setTimeout(() => {
          sock.destroy();
          resolve();
        }, 2000);
        t.unref();
        sock.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        sock.end();
      });
    },
  };
}
