import { defineProject } from 'vitest/config';

// Node tests; *.workers.test.ts run inside workerd (vitest.workers.config.ts).
export default defineProject({
  test: {
    name: 'wasm',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.workers.test.ts'],
    environment: 'node',
  },
});
