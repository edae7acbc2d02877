import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'local-node',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    environment: 'node',
  },
});
