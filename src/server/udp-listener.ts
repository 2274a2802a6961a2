import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { AppError, ErrorCodes } from '../shared/errors.js';

export type DatagramHandler = (msg: Buffer, rinfo: RemoteInfo, send: (reply: Buffer) => void) => void;

/** 4 MiB, as FreeRADIUS's recv_buff: the kernel default (208 KiB) overflows under bursts. */
const RECV_BUFFER = 4 * 1024 * 1024;

/**
 * dgram resolves the destination of every unconnected send through `lookup`, by default
 * dns.lookup, which for an IP literal still defers the send to the next tick and allocates for it.
 * Replies always go to the literal address the request came from, so answer those at once.
 */
function literalLookup(
  address: string,
  family: number,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const f = isIP(address);
  if (f !== 0) cb(null, address, f);
  else dnsLookup(address, family, cb);
}

/** One bound UDP socket. Listens only where configured: one address, one port. */
export class UdpListener {
  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {}

  static async bind(address: string, port: number, onMessage: DatagramHandler): Promise<UdpListener> {
    const v6 = isIPv6(address);
    const socket = createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ipv6Only: v6,
      reuseAddr: false,
      lookup: literalLookup as never,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        const code = (e as NodeJS.ErrnoException).code;
        const hint =
          code === 'EADDRINUSE'
            ? 'another process already listens there (a second instance, or freeradius?)'
            : code === 'EACCES'
              ? 'ports below 1024 need root or CAP_NET_BIND_SERVICE'
              : code === 'EADDRNOTAVAIL'
                ? 'this machine has no such address; check listen[].address'
                : String(e);
        reject(
          new AppError(
            ErrorCodes.LISTEN,
            `cannot listen on ${address} port ${port}: ${hint}`,
            { address, port },
            { cause: e },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(RECV_BUFFER);
    } catch {
      // Capped by net.core.rmem_max; the default still works, just with less burst headroom.
    }
    const bound = socket.address();
    const listener = new UdpListener(socket, address, bound.port);
    socket.on('message', (msg, rinfo) => {
      onMessage(msg, rinfo, (reply) => listener.send(reply, rinfo.port, rinfo.address));
    });
    // A send error (e.g. ICMP unreachable surfaced by the kernel) must never take the server down.
    socket.on('error', () => {});
    return listener;
  }

  private closed = false;

  /** Sends a reply; after close() (a request that finished during shutdown) it is a no-op. */
  send(reply: Buffer, port: number, address: string): void {
    if (this.closed) return;
    this.socket.send(reply, port, address);
  }

  /** Stops taking new datagrams; replies to requests in flight still go out. */
  pause(): void {
    this.socket.removeAllListeners('message');
  }

  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
