import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wasm',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    environment: 'node',
  },
});
