import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// The Workers loader path runs inside workerd: the .wasm is imported as a compiled module there.
export default defineProject({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.test.jsonc' } })],
  test: {
    name: 'wasm-workers',
    include: ['src/**/*.workers.test.ts'],
    exclude: ['**/node_modules/**'],
  },
});
