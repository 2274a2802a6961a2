import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve, sep } from 'node:path';
import si from 'systeminformation';
import type { Clock } from '../shared/clock.js';

/**
 * Host health for the admin status page, from systeminformation (the only importer here). It shells
 * out to system tools (about 70-600 ms a round), so it runs on its own unref'd timer and the page
 * reads the cached sample: never on the RADIUS path, never while a page waits. Each figure that
 * cannot be read is `undefined` ("unknown" on the page), never an error.
 */
export interface HostSample {
  /** When the sample was taken (Clock ms); undefined before the first one finished. */
  readonly at: number | undefined;
  /** CPU busy, percent over all cores. */
  readonly cpuPercent: number | undefined;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAvg: readonly [number, number, number] | undefined;
  readonly memTotal: number | undefined;
  readonly memAvailable: number | undefined;
  /** The file system holding data_dir. */
  readonly disk:
    | { readonly mount: string; readonly size: number; readonly used: number; readonly usePercent: number }
    | undefined;
  /** The kernel clock is synchronised (NTP): true/false, or undefined when it cannot be told. */
  readonly clockSynced: boolean | undefined;
}

/** Where the figures come from; tests pass failing or fixed sources. */
export interface HostSource {
  cpu(): Promise<{ percent: number; loadAvg: [number, number, number] }>;
  memory(): Promise<{ total: number; available: number }>;
  disks(): Promise<Array<{ mount: string; size: number; used: number; use: number }>>;
  clockSynced(): Promise<boolean | undefined>;
}

export const EMPTY_SAMPLE: HostSample = {
  at: undefined,
  cpuPercent: undefined,
  loadAvg: undefined,
  memTotal: undefined,
  memAvailable: undefined,
  disk: undefined,
  clockSynced: undefined,
};

/** One figure's call: an exception or a hang (ms) is "unknown". */
async function tryRead<T>(f: () => Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      f(),
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), timeoutMs);
        timer.unref();
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The mount point with the longest prefix of `dir`. */
export function diskOf<T extends { mount: string }>(disks: readonly T[], dir: string): T | undefined {
  const abs = resolve(dir);
  let best: T | undefined;
  for (const d of disks) {
    const m = d.mount;
    const inside = m === '/' || abs === m || abs.startsWith(m.endsWith(sep) ? m : m + sep);
    if (inside && (best === undefined || m.length > best.mount.length)) best = d;
  }
  return best;
}

export class HostSampler {
  private sample: HostSample = EMPTY_SAMPLE;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly deps: {
      readonly dataDir: string;
      readonly clock: Clock;
      readonly source?: HostSource;
      /** Per call: a figure that takes longer is unknown for this round. */
      readonly callTimeoutMs?: number;
    },
  ) {}

  /** The cached sample (what the page shows). */
  current(): HostSample {
    return this.sample;
  }

  /** Samples now and then every `intervalSec` (unref'd: never keeps the process alive). */
  start(intervalSec: number): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalSec * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round; a round still running is not doubled. Never rejects. */
  async refresh(): Promise<HostSample> {
    if (this.running) return this.sample;
    this.running = true;
    try {
      const src = this.deps.source ?? systemSource;
      const t = this.deps.callTimeoutMs ?? 10_000;
      const [cpu, mem, disks, synced] = await Promise.all([
        tryRead(() => src.cpu(), t),
        tryRead(() => src.memory(), t),
        tryRead(() => src.disks(), t),
        tryRead(() => src.clockSynced(), t),
      ]);
      const disk = disks ? diskOf(disks, this.deps.dataDir) : undefined;
      this.sample = {
        at: this.deps.clock.now(),
        cpuPercent: finite(cpu?.percent),
        loadAvg: cpu?.loadAvg.every(Number.isFinite) ? cpu.loadAvg : undefined,
        memTotal: finite(mem?.total),
        memAvailable: finite(mem?.available),
        disk: disk
          ? { mount: disk.mount, size: disk.size, used: disk.used, usePercent: disk.use }
          : undefined,
        clockSynced: synced,
      };
      return this.sample;
    } finally {
      this.running = false;
    }
  }
}

const finite = (n: number | undefined): number | undefined =>
  n !== undefined && Number.isFinite(n) ? n : undefined;

/**
 * The real host. Clock sync: systeminformation has no NTP status, so systemd's own view
 * (`timedatectl`, the kernel's STA_UNSYNC flag as chrony or timesyncd leave it); no systemd, unknown.
 */
export const systemSource: HostSource = {
  async cpu() {
    const l = await si.currentLoad();
    return { percent: l.currentLoad, loadAvg: loadavg() as [number, number, number] };
  },
  async memory() {
    const m = await si.mem();
    return { total: m.total, available: m.available };
  },
  async disks() {
    return (await si.fsSize()).map((f) => ({ mount: f.mount, size: f.size, used: f.used, use: f.use }));
  },
  clockSynced() {
    return new Promise((done) => {
      execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 5000 }, (e, out) => {
        const v = String(out).trim();
        done(e ? undefined : v === 'yes' ? true : v === 'no' ? false : undefined);
      });
    });
  },
};
