// Chat and vision jobs on Foundry: the client's OpenAI body as the edge sent it, to the deployment
// serving its model, answered whole. The plain `openai` client (foundry.ts says why not
// `AzureOpenAI` nor the retired `@azure/ai-inference`).
import type { ChatJob, RunResult } from '@proxima/core/jobs';
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { deploymentOf } from './foundry.ts';
import { upstreamFailure } from './upstream-failure.ts';

export async function runChat(
  client: OpenAI,
  deployments: ReadonlyMap<string, string>,
  job: ChatJob,
  signal: AbortSignal,
): Promise<RunResult> {
  const deployment = deploymentOf(deployments, job.input.model);
  if (typeof deployment !== 'string') return deployment;
  // parseJob checked the envelope (messages, no stream, n 1); the edge parsed the rest as OpenAI's
  // chat body, and Foundry judges what it serves.
  const body = {
    ...job.input.request,
    model: deployment,
    stream: false,
  } as ChatCompletionCreateParamsNonStreaming;
  try {
    const completion = await client.chat.completions.create(body, { signal });
    // The client named a model, not a deployment: answer with its name.
    return { ok: true, result: { ...completion, model: job.input.model } };
  } catch (err) {
    return upstreamFailure(err, signal);
  }
}
