import { describe, expect, it } from 'vitest';
import { BURST_LIMITS } from '@proxima/core/jobs';
import { parseConfig, parseDeployments, type Env } from './config.ts';

const SECRET = 's'.repeat(BURST_LIMITS.secretMinChars);
const LOCAL = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  PROXIMA_BURST_SECRET: SECRET,
} satisfies Env;

function refusal(env: Env): string {
  try {
    parseConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('Function App settings', () => {
  it('takes a connection string, the secret, and defaults OCR_EP to auto with no Foundry', () => {
    expect(parseConfig(LOCAL)).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      burstSecret: SECRET,
      foundry: null,
      ocrEp: 'auto',
    });
  });

  it('takes an identity-based account, with service URIs derived or given, and a client id', () => {
    const config = parseConfig({
      PROXIMA_BURST_SECRET: SECRET,
      AzureWebJobsStorage__accountName: 'proximajobs01',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
      AzureWebJobsStorage__queueServiceUri: 'https://q.example.net/',
    });
    expect(config.storage).toEqual({
      kind: 'identity',
      blobUrl: 'https://proximajobs01.blob.core.windows.net',
      queueUrl: 'https://q.example.net',
      tableUrl: 'https://proximajobs01.table.core.windows.net',
      clientId: '00000000-0000-0000-0000-000000000001',
    });
  });

  it('names the storage setting when it is missing or not a connection string', () => {
    expect(refusal({ PROXIMA_BURST_SECRET: SECRET })).toMatch(/AzureWebJobsStorage is missing/);
    expect(refusal({ ...LOCAL, AzureWebJobsStorage: 'just-a-key' })).toMatch(
      /AzureWebJobsStorage is not a connection string/,
    );
    expect(refusal({ ...LOCAL, AzureWebJobsStorage: 'AccountName=x;Foo=bar' })).toMatch(
      /AzureWebJobsStorage must hold AccountName and AccountKey/,
    );
    expect(
      refusal({ PROXIMA_BURST_SECRET: SECRET, AzureWebJobsStorage__accountName: 'Bad_Name' }),
    ).toMatch(/AzureWebJobsStorage__accountName/);
    expect(
      refusal({
        PROXIMA_BURST_SECRET: SECRET,
        AzureWebJobsStorage__accountName: 'proxima',
        AzureWebJobsStorage__blobServiceUri: 'http://plain.example.net',
      }),
    ).toMatch(/AzureWebJobsStorage__blobServiceUri must be an https URL/);
  });

  it(`wants the secret, at least ${BURST_LIMITS.secretMinChars} characters`, () => {
    expect(refusal({ ...LOCAL, PROXIMA_BURST_SECRET: undefined })).toMatch(
      /PROXIMA_BURST_SECRET is missing/,
    );
    expect(refusal({ ...LOCAL, PROXIMA_BURST_SECRET: SECRET.slice(1) })).toMatch(
      new RegExp(`PROXIMA_BURST_SECRET must be at least ${BURST_LIMITS.secretMinChars} characters`),
    );
  });

  it('reads Foundry: endpoint with a slash, key optional, model=deployment pairs', () => {
    const config = parseConfig({
      ...LOCAL,
      FOUNDRY_ENDPOINT: 'https://res.openai.azure.com/openai/v1',
      FOUNDRY_DEPLOYMENTS: 'gpt-4o-mini=mini-prod, whisper-1=whisper',
      OCR_EP: 'CPU',
    });
    expect(config.foundry).toEqual({
      endpoint: 'https://res.openai.azure.com/openai/v1/',
      apiKey: null,
      deployments: new Map([
        ['gpt-4o-mini', 'mini-prod'],
        ['whisper-1', 'whisper'],
      ]),
    });
    expect(config.ocrEp).toBe('cpu');
  });

  it('allows plain http to Foundry only on this machine (a local node standing in for it)', () => {
    const local = { ...LOCAL, FOUNDRY_DEPLOYMENTS: 'demo=demo' };
    expect(
      parseConfig({ ...local, FOUNDRY_ENDPOINT: 'http://127.0.0.1:8080/v1/' }).foundry?.endpoint,
    ).toBe('http://127.0.0.1:8080/v1/');
    expect(refusal({ ...local, FOUNDRY_ENDPOINT: 'http://res.example.com/v1/' })).toMatch(
      /FOUNDRY_ENDPOINT must be an https URL/,
    );
    expect(refusal({ ...local, FOUNDRY_ENDPOINT: 'https://r/v1/?api-version=1' })).toMatch(
      /FOUNDRY_ENDPOINT must have no query/,
    );
  });

  it('refuses Foundry settings that do not fit together', () => {
    expect(refusal({ ...LOCAL, FOUNDRY_DEPLOYMENTS: 'a=b' })).toMatch(
      /FOUNDRY_DEPLOYMENTS is set without FOUNDRY_ENDPOINT/,
    );
    expect(refusal({ ...LOCAL, FOUNDRY_API_KEY: 'k' })).toMatch(/FOUNDRY_API_KEY is set without/);
    expect(
      refusal({ ...LOCAL, FOUNDRY_ENDPOINT: 'https://r.openai.azure.com/openai/v1/' }),
    ).toMatch(/FOUNDRY_DEPLOYMENTS is missing/);
  });

  it('checks every deployment pair, naming the one at fault', () => {
    expect(() => parseDeployments('a=b,c')).toThrow(/has 'c' where model=deployment belongs/);
    expect(() => parseDeployments('a=b=c')).toThrow(/has 'a=b=c'/);
    expect(() => parseDeployments('bad model=x')).toThrow(/has 'bad model': ids must be/);
    expect(() => parseDeployments('a=x,a=y')).toThrow(/names model 'a' twice/);
    expect(() => parseDeployments('a=')).toThrow(/has '': ids must be/);
  });

  it('names OCR_EP when it is not an execution provider', () => {
    expect(refusal({ ...LOCAL, OCR_EP: 'tpu' })).toMatch(
      /OCR_EP is bad: unknown execution provider 'tpu'/,
    );
  });
});
