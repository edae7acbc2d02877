// `npm run deploy:check`: what can be checked of a deployment without Azure or Cloudflare.
// (a) the edge Worker bundles with its real wrangler.jsonc (`wrangler deploy --dry-run`);
// (b) the Function App package builds, loads, and is zipped for config-zip;
// (c) the Bicep templates pass the text checks (and `bicep build`, given a Bicep CLI).
// Its last line is one JSON object with each step's result; it exits 1 when a step failed.
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBicep } from './deploy-check/bicep-step.ts';
import { checkEdgeBundle } from './deploy-check/edge-bundle.ts';
import { packageFunctions } from './deploy-check/functions-package.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const kib = (bytes: number | undefined): string => `${((bytes ?? 0) / 1024).toFixed(1)} KiB`;

const edge = await checkEdgeBundle(repoRoot);
console.log(
  edge.ok
    ? `edge: ok, ${edge.modules} module(s), ${kib(edge.bytes)} (gzip ${kib(edge.gzipBytes)}); wrangler: ${edge.wranglerTotal ?? '?'}`
    : `edge: FAILED: ${edge.error ?? ''}`,
);

const functions = await packageFunctions(repoRoot);
console.log(
  functions.ok
    ? `functions: ok, bundle ${kib(functions.bundleBytes)}, ${relative(repoRoot, functions.zipPath ?? '')} ${kib(functions.zipBytes)}, externals ${JSON.stringify(functions.dependencies)}`
    : `functions: FAILED: ${functions.error ?? ''}`,
);

const bicep = await checkBicep(repoRoot);
for (const line of [...bicep.findings, ...bicep.buildErrors]) console.log(`  ${line}`);
console.log(
  `bicep: ${bicep.ok ? 'ok' : 'FAILED'}, ${bicep.findings.length} text finding(s); ` +
    (bicep.cli === 'none'
      ? 'no bicep CLI on PATH: the templates were checked as text only'
      : `${bicep.cli} built ${bicep.built} file(s)`),
);

const ok = edge.ok && functions.ok && bicep.ok;
console.log(
  JSON.stringify({
    ok,
    edge: {
      ok: edge.ok,
      bytes: edge.bytes,
      gzipBytes: edge.gzipBytes,
      modules: edge.modules,
      ...(edge.error === undefined ? {} : { error: edge.error }),
    },
    functions: {
      ok: functions.ok,
      ...(functions.missingEntry === true ? { missingEntry: true } : {}),
      bundleBytes: functions.bundleBytes ?? 0,
      zipBytes: functions.zipBytes ?? 0,
      ...(functions.zipPath === undefined ? {} : { zip: relative(repoRoot, functions.zipPath) }),
      ...(functions.dependencies === undefined ? {} : { dependencies: functions.dependencies }),
      ...(functions.error === undefined ? {} : { error: functions.error }),
    },
    bicep: { ok: bicep.ok, findings: bicep.findings.length, cli: bicep.cli, built: bicep.built },
  }),
);
process.exitCode = ok ? 0 : 1;
