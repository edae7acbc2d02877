import { defineConfig } from 'vitest/config';

// Each workspace owns its vitest config; the root runs them all as projects.
export default defineConfig({
  test: {
    projects: [
      'core/vitest.config.ts',
      'wasm/vitest.config.ts',
      'wasm/vitest.workers.config.ts',
      'edge/vitest.config.ts',
      'local-node/vitest.config.ts',
      'tests/vitest.config.ts',
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
