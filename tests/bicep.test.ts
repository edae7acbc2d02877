// `bicep build` on the templates and `bicep build-params` on each parameter file, when a Bicep CLI
// (`bicep`, or `az bicep`) is on the PATH. Bicep ships only through NuGet, which these machines do
// not reach, so here the templates are held by the text checks (bicep-text.test.ts) alone.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bicepBuild, findBicepCli } from '../scripts/bicep-checks/cli.ts';

const ROOT = join(import.meta.dirname, '..');
const INFRA = join(ROOT, 'infra-bicep');
const FILES = ['main.bicep', 'main.dev.bicepparam', 'main.prod.bicepparam'];
const cli = await findBicepCli(ROOT);

describe('bicep build', () => {
  if (cli === undefined) {
    it.skip('no bicep CLI on PATH: the templates were checked as text only', () => {});
    return;
  }
  it.each(FILES)(
    `${cli.label} builds %s`,
    async (file) => {
      // build-params evaluates readEnvironmentVariable(); this stand-in is never deployed.
      const env = {
        ...process.env,
        PROXIMA_BURST_SECRET: 'placeholder-for-bicep-build-only-0123456789',
      };
      const result = await bicepBuild(cli, join(INFRA, file), ROOT, env);
      expect(result.stderr).not.toMatch(/\bError\b/);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toBeTypeOf('object');
    },
    180_000,
  );
});
