// The Bicep templates, checked as text (no Bicep compiler reaches these machines): the real
// templates pass every check, and each check catches the mistake it exists for.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkSources,
  formatFinding,
  paramFileInt,
  readTemplates,
  templateSet,
} from '../scripts/bicep-checks/index.ts';

const INFRA = join(import.meta.dirname, '..', 'infra-bicep');
let sources: Map<string, string>;

beforeAll(async () => {
  sources = await readTemplates(INFRA);
});

/** The templates with `from` replaced by `to` once in `path` (which must contain it). */
function mutated(path: string, from: string, to: string): Map<string, string> {
  const source = sources.get(path);
  if (source === undefined || !source.includes(from)) throw new Error(`${path} has no '${from}'`);
  return new Map([...sources, [path, source.replace(from, to)]]);
}

function appended(path: string, text: string): Map<string, string> {
  return new Map([...sources, [path, `${sources.get(path) ?? ''}\n${text}\n`]]);
}

function failingChecks(changed: ReadonlyMap<string, string>): string[] {
  return [...new Set(checkSources(changed).map((f) => f.check))].sort();
}

describe('infra-bicep as text', () => {
  it('holds the entry template, both parameter files and the modules', () => {
    expect([...sources.keys()].sort()).toEqual([
      'main.bicep',
      'main.dev.bicepparam',
      'main.prod.bicepparam',
      'modules/ai.bicep',
      'modules/functionapp.bicep',
      'modules/identity.bicep',
      'modules/keyvault.bicep',
      'modules/monitoring.bicep',
      'modules/roles.bicep',
      'modules/storage.bicep',
    ]);
  });

  it('passes every check', () => {
    expect(checkSources(sources).map(formatFinding)).toEqual([]);
  });

  it('keeps no instance warm in dev and at least one in prod', () => {
    const set = templateSet(sources);
    const dev = set.files.get('main.dev.bicepparam');
    const prod = set.files.get('main.prod.bicepparam');
    if (dev === undefined || prod === undefined) throw new Error('parameter files missing');
    expect(paramFileInt(dev, 'alwaysReadyInstances')).toBe(0);
    expect(paramFileInt(prod, 'alwaysReadyInstances')).toBeGreaterThanOrEqual(1);
  });

  it('reads the burst secret from the environment, never from a parameter file', () => {
    for (const file of ['main.dev.bicepparam', 'main.prod.bicepparam'])
      expect(sources.get(file)).toContain(
        "param burstSecret = readEnvironmentVariable('PROXIMA_BURST_SECRET', '')",
      );
  });
});

describe('each check catches its mistake', () => {
  const cases: [string, () => Map<string, string>, string][] = [
    [
      'a module path that does not exist',
      () => mutated('main.bicep', "'modules/roles.bicep'", "'modules/role.bicep'"),
      'module-path',
    ],
    [
      'a module argument the module does not declare',
      () =>
        mutated(
          'main.bicep',
          'retentionInDays: logRetentionDays',
          'retentionDays: logRetentionDays',
        ),
      'module-args',
    ],
    [
      'an identifier nothing declares',
      () => mutated('modules/functionapp.bicep', 'httpsOnly: true', 'httpsOnly: httpsEverywhere'),
      'identifier-undeclared',
    ],
    [
      'a function Bicep does not have',
      () =>
        mutated('main.bicep', 'uniqueString(resourceGroup().id)', 'uniqueStr(resourceGroup().id)'),
      'identifier-undeclared',
    ],
    [
      'a parameter nothing uses',
      () => appended('modules/monitoring.bicep', "param unusedSetting string = 'x'"),
      'param-unused',
    ],
    [
      'a @secure() parameter in an output',
      () => appended('modules/keyvault.bicep', 'output leaked string = burstSecret'),
      'secure-output',
    ],
    [
      'a @secure() parameter laundered through a var into an output',
      () => appended('main.bicep', "var wrapped = 'k=${burstSecret}'\noutput w string = wrapped"),
      'secure-output',
    ],
    [
      'a @secure() value passed to a module parameter that is not @secure()',
      () => mutated('modules/keyvault.bicep', '@secure()\n', ''),
      'secure-flow',
    ],
    [
      'a @secure() value passed on as an app setting',
      () =>
        mutated(
          'main.bicep',
          'burstSecretUri: keyVault.outputs.secretUri',
          'burstSecretUri: burstSecret',
        ),
      'secure-flow',
    ],
    [
      'a @secure() value in a resource other than a Key Vault secret',
      () =>
        mutated(
          'modules/keyvault.bicep',
          'tenantId: subscription().tenantId',
          'tenantId: burstSecret',
        ),
      'secure-flow',
    ],
    [
      'a default value for a @secure() parameter',
      () =>
        mutated(
          'main.bicep',
          'param burstSecret string',
          "param burstSecret string = 'a-default-secret-of-thirty-two-chars'",
        ),
      'secure-default',
    ],
    [
      'storage keys in an output',
      () =>
        appended('modules/storage.bicep', 'output key string = account.listKeys().keys[0].value'),
      'output-secret',
    ],
    [
      'a connection string in an output',
      () =>
        mutated(
          'modules/monitoring.bicep',
          'output appInsightsName string = appInsights.name',
          'output appInsightsName string = appInsights.properties.ConnectionString',
        ),
      'output-secret',
    ],
    [
      'a storage key in an app setting',
      () =>
        mutated(
          'modules/functionapp.bicep',
          "AzureWebJobsStorage__credential: 'managedidentity'",
          "AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc'",
        ),
      'app-settings',
    ],
    [
      'an API version that is not a date',
      () =>
        mutated(
          'modules/storage.bicep',
          'storageAccounts@2023-05-01',
          'storageAccounts@2023-13-01',
        ),
      'api-version',
    ],
    [
      'a preview API version',
      () => mutated('modules/ai.bicep', 'accounts@2024-10-01', 'accounts@2024-10-01-preview'),
      'api-version',
    ],
    [
      'a storage account name that can exceed 24 characters',
      () => mutated('main.bicep', 'take(suffix, 11)', 'take(suffix, 13)'),
      'name-rule',
    ],
    [
      'a storage account name with a hyphen',
      () => mutated('main.bicep', "'stproxima${", "'st-proxima${"),
      'name-rule',
    ],
    [
      'a Key Vault name over 24 characters',
      () => mutated('main.bicep', 'take(suffix, 6)', 'take(suffix, 9)'),
      'name-rule',
    ],
    [
      'a name built from a parameter nothing bounds',
      () => mutated('main.bicep', "'func-proxima-${environmentName}-${suffix}'", 'location'),
      'name-rule',
    ],
    [
      'a role definition id that is not the documented one',
      () => mutated('modules/roles.bicep', '0f276bb0955b', '0f276bb0955c'),
      'role-guid',
    ],
    [
      "a role's id under another role's name",
      () =>
        mutated(
          'modules/roles.bicep',
          "storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'",
          "storageQueueDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'",
        ),
      'role-guid',
    ],
    [
      'a role scoped to the wrong resource',
      () => mutated('modules/roles.bicep', '  scope: aiAccount\n', '  scope: storage\n'),
      'role-scope',
    ],
    [
      'a parameter file setting a parameter the template lacks',
      () => appended('main.dev.bicepparam', 'param alwaysReady = 0'),
      'paramfile-unknown',
    ],
    [
      'a parameter file value above @maxValue',
      () =>
        mutated(
          'main.prod.bicepparam',
          'param alwaysReadyInstances = 1',
          'param alwaysReadyInstances = 25',
        ),
      'paramfile-value',
    ],
    [
      'a parameter file value outside @allowed',
      () =>
        mutated(
          'main.prod.bicepparam',
          'param instanceMemoryMB = 4096',
          'param instanceMemoryMB = 3000',
        ),
      'paramfile-value',
    ],
    [
      'a parameter file value of the wrong type',
      () =>
        mutated(
          'main.dev.bicepparam',
          'param alwaysReadyInstances = 0',
          "param alwaysReadyInstances = '0'",
        ),
      'paramfile-value',
    ],
    [
      'a parameter file missing a required parameter',
      () => mutated('main.dev.bicepparam', 'param alwaysReadyInstances = 0\n', ''),
      'paramfile-missing',
    ],
    [
      'a secret written in a parameter file',
      () =>
        mutated(
          'main.prod.bicepparam',
          "readEnvironmentVariable('PROXIMA_BURST_SECRET', '')",
          "'a-secret-of-at-least-thirty-two-characters'",
        ),
      'paramfile-secret',
    ],
    [
      'a parameter file using a template that does not exist',
      () => mutated('main.dev.bicepparam', "using './main.bicep'", "using './mian.bicep'"),
      'paramfile-using',
    ],
  ];

  it.each(cases)('%s', (_name, change, check) => {
    expect(failingChecks(change())).toContain(check);
  });
});
