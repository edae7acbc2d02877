// The client for Azure AI Foundry / Azure OpenAI's v1 API. It is the plain `openai` client with
// Foundry's base URL and no api-version: the SDK's `AzureOpenAI` class builds a v1 path that 404s
// (openai-node #1684), and `@azure/ai-inference` is retired (2026-08-26), so neither is used.
import { BURST_LIMITS } from '@proxima/core/jobs';
import OpenAI from 'openai';
import { failure, type RunFailure } from './failure.ts';

export interface FoundryOptions {
  /** e.g. https://RESOURCE.openai.azure.com/openai/v1/ */
  readonly baseURL: string;
  /** An API key; without it, `tokenProvider` gives a bearer token for each request. */
  readonly apiKey?: string;
  /** A Microsoft Entra token (scope https://cognitiveservices.azure.com/.default). */
  readonly tokenProvider?: () => Promise<string>;
  /** The client's model id → the Foundry deployment serving it. */
  readonly deployments: ReadonlyMap<string, string>;
}

/**
 * One request may take this long: under the run timeout, so a slow upstream ends as a retryable
 * failure the run records rather than as a run the host kills.
 */
export const FOUNDRY_REQUEST_TIMEOUT_MS = BURST_LIMITS.runTimeoutMs - 60_000;

/** The token provider failed: the credential, not Foundry, is at fault. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export function foundryClient(options: FoundryOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseURL,
    apiKey: credentialOf(options),
    // The queue retries a failed job; retrying here too would multiply the attempts.
    maxRetries: 0,
    timeout: FOUNDRY_REQUEST_TIMEOUT_MS,
  });
}

function credentialOf({ apiKey, tokenProvider }: FoundryOptions): string | (() => Promise<string>) {
  if (apiKey !== undefined && tokenProvider === undefined) return apiKey;
  if (tokenProvider === undefined || apiKey !== undefined)
    throw new Error('Foundry needs exactly one of apiKey and tokenProvider');
  // The client asks a function again for every request, so an expiring token is always fresh.
  return async () => {
    try {
      return await tokenProvider();
    } catch (err) {
      throw new TokenError('could not get a Microsoft Entra token for Foundry', { cause: err });
    }
  };
}

/** The deployment serving `model`, or the failure saying Foundry does not serve it. */
export function deploymentOf(
  deployments: ReadonlyMap<string, string>,
  model: string,
): string | RunFailure {
  const deployment = deployments.get(model);
  if (deployment !== undefined) return deployment;
  const served = [...deployments.keys()].join(', ') || 'none';
  return failure(
    'model_not_found',
    `Model '${model}' has no Foundry deployment (FOUNDRY_DEPLOYMENTS serves: ${served}).`,
    false,
  );
}
