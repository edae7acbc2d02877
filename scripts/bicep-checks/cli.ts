// The Bicep compiler, when one is on the PATH: `bicep` itself, or the Azure CLI's `az bicep`.
import { run, type RunResult } from '../deploy-check/run.ts';

export interface BicepCli {
  readonly command: string;
  /** Arguments before the subcommand: [] for bicep, ['bicep'] for az. */
  readonly prefix: readonly string[];
  readonly label: 'bicep' | 'az bicep';
}

export async function findBicepCli(cwd: string): Promise<BicepCli | undefined> {
  const bicep = await run('bicep', ['--version'], { cwd, timeoutMs: 30_000 });
  if (bicep.code === 0) return { command: 'bicep', prefix: [], label: 'bicep' };
  const az = await run('az', ['bicep', 'version', '--only-show-errors'], {
    cwd,
    timeoutMs: 60_000,
  });
  return az.code === 0 && /Bicep CLI version/i.test(az.stdout + az.stderr)
    ? { command: 'az', prefix: ['bicep'], label: 'az bicep' }
    : undefined;
}

/** `bicep build` for a .bicep file, `bicep build-params` for a .bicepparam one, to stdout. */
export function bicepBuild(
  cli: BicepCli,
  file: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const params = file.endsWith('.bicepparam');
  const verb = params ? 'build-params' : 'build';
  const args =
    cli.label === 'bicep' ? [verb, file, '--stdout'] : [verb, '--file', file, '--stdout'];
  return run(cli.command, [...cli.prefix, ...args], { cwd, env, timeoutMs: 180_000 });
}
