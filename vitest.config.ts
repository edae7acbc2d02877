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
      'functions/vitest.config.ts',
      'tests/vitest.config.ts',
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // workerd test files end while Raft peers' alarms still have RPCs in flight between Durable
    // Objects; tearing the file's runtime down rejects them. That is the test harness stopping,
    // not the product failing, so exactly this error does not fail the run; any other does.
    onUnhandledError(error): boolean | void {
      if (error.name === 'EnvironmentTeardownError' && /Closing rpc while/.test(error.message))
        return false;
    },
  },
});
