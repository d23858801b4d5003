import { defineConfig } from 'vitest/config';

// Interop and end-to-end suites: the built daemon against real sipp, Kamailio and baresip
// on loopback. Each suite picks its own random free port block, so files run in parallel.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
