// The job runners' options from the app settings: Foundry by API key, or by a Microsoft Entra
// token (a managed identity in Azure; DefaultAzureCredential reads AZURE_CLIENT_ID for a
// user-assigned one).
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import type { Logger } from '@proxima/local-node/log';
import { FOUNDRY_SCOPE, type FunctionsConfig } from '../config.ts';
import type { RunnerOptions } from '../runners/create-runners.ts';

export function runnerOptionsFrom(config: FunctionsConfig, log?: Logger): RunnerOptions {
  const { foundry } = config;
  return {
    foundry:
      foundry === null
        ? null
        : {
            baseURL: foundry.endpoint,
            deployments: foundry.deployments,
            ...(foundry.apiKey === null
              ? {
                  tokenProvider: getBearerTokenProvider(
                    new DefaultAzureCredential(),
                    FOUNDRY_SCOPE,
                  ),
                }
              : { apiKey: foundry.apiKey }),
          },
    ocr: { ep: config.ocrEp },
    ...(log === undefined ? {} : { log }),
  };
}
