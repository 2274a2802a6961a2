import { describe, expect, it } from 'vitest';
import { diskOf, HostSampler, type HostSource } from '../../../src/observability/host-sampler.js';
import { ManualClock } from '../../../src/shared/clock.js';

const good: HostSource = {
  cpu: async () => ({ percent: 12.5, loadAvg: [0.5, 0.4, 0.3] }),
  memory: async () => ({ total: 8e9, available: 6e9 }),
  disks: async () => [
    { mount: '/', size: 100, used: 10, use: 10 },
    { mount: '/var/lib', size: 200, used: 100, use: 50 },
    { mount: '/var/lib2', size: 1, used: 1, use: 100 },
  ],
  clockSynced: async () => true,
};

describe('HostSampler', () => {
  it('caches one sample; the disk is the mount holding data_dir', async () => {
    const clock = new ManualClock(1_000);
    const s = new HostSampler({ dataDir: '/var/lib/mfa', clock, source: good });
    expect(s.current().at).toBeUndefined();
    await s.refresh();
    expect(s.current()).toEqual({
      at: 1_000,
      cpuPercent: 12.5,
      loadAvg: [0.5, 0.4, 0.3],
      memTotal: 8e9,
      memAvailable: 6e9,
      disk: { mount: '/var/lib', size: 200, used: 100, usePercent: 50 },
      clockSynced: true,
    });
  });

  it('a failing, hanging or nonsense call is unknown (undefined) for that figure only, never a throw', async () => {
    const clock = new ManualClock(5);
    const failing: HostSource = {
      cpu: async () => {
        throw new Error('spawn ENOENT');
      },
      memory: () => new Promise(() => {}),
      disks: async () => [{ mount: '/srv', size: 1, used: 1, use: 1 }],
      clockSynced: async () => undefined,
    };
    const s = new HostSampler({ dataDir: '/var/lib/mfa', clock, source: failing, callTimeoutMs: 20 });
    const sample = await s.refresh();
    expect(sample).toEqual({
      at: 5,
      cpuPercent: undefined,
      loadAvg: undefined,
      memTotal: undefined,
      memAvailable: undefined,
      disk: undefined,
      clockSynced: undefined,
    });
    const nan = new HostSampler({
      dataDir: '/x',
      clock,
      source: { ...good, cpu: async () => ({ percent: Number.NaN, loadAvg: [Number.NaN, 0, 0] }) },
    });
    expect((await nan.refresh()).cpuPercent).toBeUndefined();
    expect(nan.current().loadAvg).toBeUndefined();
  });

  it('diskOf takes the longest mount prefix, not a sibling with the same start', () => {
    const d = [{ mount: '/' }, { mount: '/data' }, { mount: '/data2' }];
    expect(diskOf(d, '/data2/x')?.mount).toBe('/data2');
    expect(diskOf(d, '/data/x')?.mount).toBe('/data');
    expect(diskOf(d, '/etc')?.mount).toBe('/');
  });

  it('the real source answers or says unknown on this machine (no throw)', async () => {
    const s = new HostSampler({ dataDir: process.cwd(), clock: new ManualClock(0) });
    const sample = await s.refresh();
    expect(sample.at).toBe(0);
    // Memory is readable everywhere this runs; clock sync may be unknown (no systemd in a container).
    expect(sample.memTotal).toBeGreaterThan(0);
    expect([true, false, undefined]).toContain(sample.clockSynced);
  });
});
