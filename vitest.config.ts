import { defineConfig } from 'vitest/config';

// Unit tests: beside the code, fakes only (no sockets to real peers, no sleeps).
// The "source" export condition makes workspace packages resolve to their TypeScript
// sources, so unit tests never need a prior build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 10_000,
    pool: 'threads',
  },
});
