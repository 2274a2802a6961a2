/**
 * The 256 Identifiers of one socket (RFC 2865 §3: the Identifier only has to be unique per source
 * address and port among outstanding requests). FIFO: the ID freed longest ago is handed out first,
 * so an ID is reused as late as possible. A server that has answered ID n but not yet forgotten it
 * (FreeRADIUS keeps it for cleanup_delay) would take an early reuse as a conflicting duplicate and
 * drop it (shared/notes/benchmarking.md §6.3).
 */
export class IdentifierPool {
  private readonly ring = new Uint8Array(256);
  private head = 0;
  private count = 256;
  private readonly inUse = new Uint8Array(256);

  constructor() {
    for (let i = 0; i < 256; i++) this.ring[i] = i;
  }

  /** The next identifier, or undefined when all 256 are outstanding. */
  take(): number | undefined {
    if (this.count === 0) return undefined;
    const id = this.ring[this.head]!;
    this.head = (this.head + 1) & 0xff;
    this.count--;
    this.inUse[id] = 1;
    return id;
  }

  /** Returns an identifier to the tail of the queue; releasing a free one is a no-op. */
  release(id: number): void {
    if (this.inUse[id] !== 1) return;
    this.inUse[id] = 0;
    this.ring[(this.head + this.count) & 0xff] = id;
    this.count++;
  }

  get free(): number {
    return this.count;
  }
}
