import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons on loopback ports; files run in parallel
    // but each picks its own free ports and temporary directories.
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});
