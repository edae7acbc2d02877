import type { JobRequest } from '@proxima/core/protocol';
import type { GenerateRequest } from './engine.ts';

/** A job from the edge (or the node's local API) as an engine takes it. */
export function generateRequestOf(request: JobRequest): GenerateRequest {
  return {
    model: request.model,
    messages: request.messages,
    maxTokens: request.maxTokens ?? Number.MAX_SAFE_INTEGER,
    temperature: request.temperature,
    topP: request.topP,
    stop: request.stop,
    ...(request.seed === null ? {} : { seed: request.seed }),
    ...(request.assistantPrefix === undefined ? {} : { assistantPrefix: request.assistantPrefix }),
    ...versionTwoFields(request),
  };
}

/** The job's optional (protocol 2) fields that it sets. */
function versionTwoFields(request: JobRequest): Partial<GenerateRequest> {
  const { prompt, frequencyPenalty, presencePenalty, logitBias, logprobs } = request;
  const { tools, toolChoice, parallelToolCalls, responseFormat, reasoningEffort } = request;
  return {
    ...(prompt === undefined ? {} : { prompt }),
    ...(frequencyPenalty === undefined ? {} : { frequencyPenalty }),
    ...(presencePenalty === undefined ? {} : { presencePenalty }),
    ...(logitBias === undefined ? {} : { logitBias }),
    ...(logprobs === undefined ? {} : { logprobs }),
    ...(tools === undefined ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(reasoningEffort === undefined ? {} : { reasoningEffort }),
  };
}
