/**
 * The official openai client for one server, told everything explicitly so nothing comes from
 * the environment (OPENAI_API_KEY, OPENAI_ORG_ID, OPENAI_PROJECT_ID would otherwise be sent to
 * whatever server this is), and without the headers describing this machine.
 */
import OpenAI from 'openai';

/** Sent by the client on every request (OS, architecture, runtime): not the server's business. */
const PLATFORM_HEADERS = [
  'X-Stainless-Lang',
  'X-Stainless-Package-Version',
  'X-Stainless-OS',
  'X-Stainless-Arch',
  'X-Stainless-Runtime',
  'X-Stainless-Runtime-Version',
  'X-Stainless-Retry-Count',
  'X-Stainless-Timeout',
];

export function openAiClient(baseUrl: string, apiKey: string | undefined): OpenAI {
  const removed: Record<string, null> = Object.fromEntries(PLATFORM_HEADERS.map((h) => [h, null]));
  return new OpenAI({
    baseURL: baseUrl,
    // The client insists on a key; without one the Authorization header is removed below.
    apiKey: apiKey ?? 'unused',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    // A generation is not retried: the node's caller retries whole jobs, elsewhere if need be.
    maxRetries: 0,
    logLevel: 'off',
    defaultHeaders: apiKey === undefined ? { ...removed, Authorization: null } : removed,
  });
}
