import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = path.dirname(new URL(import.meta.url).pathname);

export default defineConfig({
  resolve: {
    // One copy of graphql for our code and for type-graphql/Apollo (ESM and CJS would be two realms).
    alias: [{ find: /^graphql$/, replacement: path.join(root, 'node_modules/graphql/index.js') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // the fault-injection suite runs on its own (npm run test:faults, vitest.faults.config.ts)
    exclude: ['test/faults/**', 'node_modules/**'],
    globalSetup: ['test/setup/global-db.ts'],
    setupFiles: ['test/setup/no-unhandled-rejections.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: training tests are CPU-bound, so keep parallel files to two.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
