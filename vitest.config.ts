import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Statistical tests are CPU-bound: one process per file.
    pool: 'forks',
    // The JSON file is read by .ci/run to print the totals.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
