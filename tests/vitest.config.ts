import { defineProject } from 'vitest/config';

// End-to-end: real processes (workerd, nodes), real clients. Files run one at a time to stay
// within two cores; each file starts its own fleet on free ports.
export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
