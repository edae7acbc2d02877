import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';

// Tests in edge/ run inside workerd against SQLite-backed Durable Objects.
export default defineProject({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.test.jsonc' } })],
  test: { name: 'edge', include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] },
});
