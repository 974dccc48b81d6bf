import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault matrix runs apart, in `npm run test:faults` (vitest.faults.config.ts): it takes too long for CI.
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // Integration tests share three real servers; each test uses its own namespace (database,
    // queue prefix, slot), so files may run in parallel, but two cores do not gain from more.
    maxWorkers: 2,
    testTimeout: 30_000,
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'test-artifacts/vitest-results.json' }]],
    hookTimeout: 60_000,
  },
});
