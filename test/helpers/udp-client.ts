import { createSocket, type Socket } from 'node:dgram';

/** A raw UDP client on loopback that collects every datagram it receives. */
export class UdpClient {
  readonly received: Buffer[] = [];
  private constructor(private readonly socket: Socket) {
    socket.on('message', (m) => this.received.push(m));
  }

  static async open(address = '127.0.0.1'): Promise<UdpClient> {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => s.bind(0, address, () => r()));
    return new UdpClient(s);
  }

  send(packet: Buffer, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(packet, port, address, (e) => (e ? reject(e) : resolve())),
    );
  }

  /** Waits until `n` replies have arrived (or the timeout passes) and returns them all. */
  async waitFor(n: number, timeoutMs = 2000): Promise<Buffer[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return this.received;
  }

  /** Lets late replies arrive, then returns how many came. */
  async settle(ms = 300): Promise<number> {
    await new Promise((r) => setTimeout(r, ms));
    return this.received.length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
