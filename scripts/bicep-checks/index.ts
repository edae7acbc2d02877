// Text-level checks of the Bicep templates in infra-bicep/: no Bicep compiler reaches the machines
// this project is built on, so these hold what can be held without one (see each check's file).
import { checkApiVersions, checkNames, checkRoleIds, checkRoleScopes } from './azure-rules.ts';
import { checkParamFiles } from './paramfiles.ts';
import { checkAppSettings, checkNoKeyListing, checkOutputs, checkSecureFlow } from './security.ts';
import {
  checkIdentifiers,
  checkModuleArguments,
  checkModulePaths,
  checkParamsUsed,
  checkSecureDefaults,
} from './structure.ts';
import { type Finding, readTemplates, type TemplateSet, templateSet } from './templates.ts';

export { paramFileInt } from './paramfiles.ts';
export { type Finding, readTemplates, type TemplateSet, templateSet } from './templates.ts';

/** Every check; each names its findings (Finding.check) after the rule it holds. */
export const CHECKS: ReadonlyArray<(set: TemplateSet) => Finding[]> = [
  checkModulePaths,
  checkModuleArguments,
  checkIdentifiers,
  checkParamsUsed,
  checkSecureDefaults,
  checkParamFiles,
  checkSecureFlow,
  checkOutputs,
  checkNoKeyListing,
  checkAppSettings,
  checkApiVersions,
  checkNames,
  checkRoleIds,
  checkRoleScopes,
];

export function checkTemplateSet(set: TemplateSet): Finding[] {
  return CHECKS.flatMap((check) => check(set));
}

/** Checks sources keyed by path relative to the templates' folder. */
export function checkSources(sources: ReadonlyMap<string, string>): Finding[] {
  return checkTemplateSet(templateSet(sources));
}

export async function checkTemplatesIn(dir: string): Promise<Finding[]> {
  return checkSources(await readTemplates(dir));
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line} [${f.check}] ${f.message}`;
}
