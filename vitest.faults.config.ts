import { defineConfig } from 'vitest/config';

/*
 * The fault matrix (`npm run test:faults`): each test stops, kills or pauses a server or process
 * of its own for up to 30 s under load and waits for the recovery, several minutes in all, so it
 * is kept out of `npm test` (vitest.config.ts) to hold CI under 15 minutes. One file at a time:
 * each test runs five servers and idsync on a 2-core machine.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 180_000,
    globalSetup: ['test/faults/matrix-table.ts'],
    reporters: ['default', ['json', { outputFile: 'test-artifacts/faults/vitest-results.json' }]],
  },
});
