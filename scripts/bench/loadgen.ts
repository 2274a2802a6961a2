import { createSocket, type Socket } from 'node:dgram';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * Our own UDP load generator for RADIUS. Closed loop (a window of outstanding requests, for
 * throughput) or open loop (a fixed rate, for latency). Identifiers are allocated FIFO per socket
 * and spread over several sockets, so an ID is reused as late as possible (a FreeRADIUS server
 * treats an early reuse as a conflicting duplicate: see shared/notes/benchmarking.md §6.3).
 */
export interface LoadResult {
  readonly label: string;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly maxms: number;
  /** Replies by RADIUS code (2 = Access-Accept, 3 = Access-Reject, 11 = Access-Challenge). */
  readonly codes: Readonly<Record<number, number>>;
}

/** Builds one request for (identifier); returns the packet. Called per send (fresh authenticator). */
export type PacketFactory = (identifier: number, seq: number) => Buffer;

interface Slot {
  readonly socket: Socket;
  readonly free: number[];
  readonly outstanding: Map<number, { sentAt: number }>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function openSockets(n: number): Promise<Slot[]> {
  const slots: Slot[] = [];
  for (let i = 0; i < n; i++) {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    slots.push({ socket, free: Array.from({ length: 256 }, (_, k) => k), outstanding: new Map() });
  }
  return slots;
}

function summarize(
  label: string,
  sent: number,
  latencies: number[],
  seconds: number,
  codes: Record<number, number> = {},
): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    label,
    sent,
    received: latencies.length,
    lost: sent - latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    maxms: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    codes,
  };
}

/** Keeps `window` requests outstanding until `total` have been answered or timed out. */
export async function closedLoop(opts: {
  label: string;
  host?: string;
  port: number;
  total: number;
  window: number;
  make: PacketFactory;
  timeoutMs?: number;
  sockets?: number;
}): Promise<LoadResult> {
  const host = opts.host ?? '127.0.0.1';
  const timeoutMs = opts.timeoutMs ?? 3000;
  const slots = await openSockets(opts.sockets ?? Math.max(1, Math.ceil(opts.window / 128)));
  const latencies: number[] = [];
  const codes: Record<number, number> = {};
  let sent = 0;
  let done = 0;
  let seq = 0;
  const start = performance.now();
  let sweep: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const finishOne = () => {
      done++;
      if (done >= opts.total) resolve();
      else if (sent < opts.total) sendNext();
    };
    const sendNext = () => {
      const slot = slots[seq % slots.length]!;
      const id = slot.free.shift();
      if (id === undefined) return;
      const packet = opts.make(id, seq++);
      slot.outstanding.set(id, { sentAt: performance.now() });
      sent++;
      slot.socket.send(packet, opts.port, host);
    };
    // One sweep for timeouts instead of a timer per request: the generator must stay cheap.
    sweep = setInterval(() => {
      const now = performance.now();
      for (const slot of slots) {
        for (const [id, e] of slot.outstanding) {
          if (now - e.sentAt < timeoutMs) continue;
          slot.outstanding.delete(id);
          slot.free.push(id);
          finishOne();
        }
      }
    }, 100);
    for (const slot of slots) {
      slot.socket.on('message', (msg) => {
        const id = msg[1]!;
        const entry = slot.outstanding.get(id);
        if (!entry) return;
        slot.outstanding.delete(id);
        slot.free.push(id);
        latencies.push(performance.now() - entry.sentAt);
        codes[msg[0]!] = (codes[msg[0]!] ?? 0) + 1;
        finishOne();
      });
    }
    for (let i = 0; i < Math.min(opts.window, opts.total); i++) sendNext();
  });
  clearInterval(sweep);
  const seconds = (performance.now() - start) / 1000;
  for (const s of slots) s.socket.close();
  return summarize(opts.label, sent, latencies, seconds, codes);
}

/** Sends at a fixed rate for `seconds`; measures latency of each answer. */
export async function openLoop(opts: {
  label: string;
  host?: string;
  port: number;
  rate: number;
  seconds: number;
  make: PacketFactory;
  timeoutMs?: number;
}): Promise<LoadResult & { loopDelayP99ms: number }> {
  const host = opts.host ?? '127.0.0.1';
  const slots = await openSockets(
    Math.max(1, Math.ceil((opts.rate * (opts.timeoutMs ?? 2000)) / 1000 / 200)),
  );
  const latencies: number[] = [];
  let sent = 0;
  let seq = 0;
  for (const slot of slots) {
    slot.socket.on('message', (msg) => {
      const entry = slot.outstanding.get(msg[1]!);
      if (!entry) return;
      slot.outstanding.delete(msg[1]!);
      slot.free.push(msg[1]!);
      latencies.push(performance.now() - entry.sentAt);
    });
  }
  // Our own loop delay: if the generator itself stalls, its latency figures are not the server's.
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const start = performance.now();
  const interval = 1000 / opts.rate;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(Math.floor((now - start) / interval), Math.floor(opts.rate * opts.seconds));
      while (sent < due) {
        const slot = slots[seq % slots.length]!;
        const id = slot.free.shift();
        if (id === undefined) {
          sent++; // counted as lost: no free identifier
          continue;
        }
        const packet = opts.make(id, seq++);
        slot.outstanding.set(id, { sentAt: performance.now() });
        sent++;
        slot.socket.send(packet, opts.port, host);
        // Expire ids whose answer never came, so they can be reused.
        const s = slot;
        setTimeout(() => {
          if (s.outstanding.delete(id)) s.free.push(id);
        }, opts.timeoutMs ?? 2000);
      }
      if (now - start >= opts.seconds * 1000) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, opts.timeoutMs ?? 2000));
  h.disable();
  for (const s of slots) s.socket.close();
  return { ...summarize(opts.label, sent, latencies, opts.seconds), loopDelayP99ms: h.percentile(99) / 1e6 };
}
