import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = path.dirname(new URL(import.meta.url).pathname);

/**
 * The fault-injection suite (`npm run test:faults`): each file creates its own PostgreSQL cluster
 * (initdb + pg_ctl, test/faults/pg-cluster.ts) and stops, restarts or terminates it under a real
 * Trellis server. One file at a time: outages are timed, and the machine has two cores.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: path.join(root, 'node_modules/graphql/index.js') }],
  },
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['test/setup/no-unhandled-rejections.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
