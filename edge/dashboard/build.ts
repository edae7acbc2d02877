// Bundles the dashboard front end into edge/dist/dashboard/assets.ts (run by `npm run build`).
import { relative } from 'node:path';
import { writeAssetsModule } from './bundler/write-assets-module.ts';

const started = performance.now();
const result = await writeAssetsModule();
const ms = Math.round(performance.now() - started);
const what = result.changed ? 'wrote' : 'unchanged';
console.log(
  `dashboard: ${what} ${relative(process.cwd(), result.path)} (${result.bytes} bytes, ${ms} ms)`,
);
