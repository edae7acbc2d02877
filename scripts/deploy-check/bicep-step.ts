// Step (c): the Bicep templates' text checks, and `bicep build` when a Bicep CLI is on the PATH.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bicepBuild, findBicepCli } from '../bicep-checks/cli.ts';
import { checkTemplatesIn, formatFinding } from '../bicep-checks/index.ts';
import { tail } from './edge-bundle.ts';

export interface BicepReport {
  readonly ok: boolean;
  readonly findings: readonly string[];
  /** 'none': the templates were checked as text only. */
  readonly cli: 'bicep' | 'az bicep' | 'none';
  /** Files `bicep build` / `build-params` compiled. */
  readonly built: number;
  readonly buildErrors: readonly string[];
}

/** A stand-in for the secret so `build-params` can evaluate readEnvironmentVariable(): never deployed. */
const PLACEHOLDER_SECRET = 'placeholder-for-bicep-build-only-0123456789';

export async function checkBicep(repoRoot: string): Promise<BicepReport> {
  const infra = join(repoRoot, 'infra-bicep');
  const findings = (await checkTemplatesIn(infra)).map(formatFinding);
  const cli = await findBicepCli(repoRoot);
  const buildErrors: string[] = [];
  let built = 0;
  if (cli !== undefined) {
    const env = { ...process.env, PROXIMA_BURST_SECRET: PLACEHOLDER_SECRET };
    const files = (await readdir(infra)).filter((f) => /^main.*\.bicep(param)?$/.test(f)).sort();
    for (const file of files) {
      const result = await bicepBuild(cli, join(infra, file), repoRoot, env);
      if (result.code === 0) built++;
      else buildErrors.push(`${file}: ${tail(result.stderr || result.stdout)}`);
    }
  }
  return {
    ok: findings.length === 0 && buildErrors.length === 0,
    findings,
    cli: cli?.label ?? 'none',
    built,
    buildErrors,
  };
}
