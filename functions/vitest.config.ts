import { defineProject } from 'vitest/config';

// The Function App's handlers, against real Azurite. Files run one at a time: each starts its own
// Azurite, and two cores are all there is.
export default defineProject({
  test: {
    name: 'functions',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
