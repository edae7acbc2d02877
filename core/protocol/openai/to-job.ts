// A ChatRequest as the job a node runs: the edge sends it over the node protocol, and a node's
// local API hands it to its own engine. Images travel as bytes, never as URLs.
import { ProximaError } from '../errors.ts';
import type { JobRequest } from '../node/messages.ts';
import type { ChatRequest } from './chat-request.ts';
import type { ImageInput } from './images.ts';

export function toJobRequest(req: ChatRequest): JobRequest {
  return {
    model: req.model,
    messages: req.messages.map((m, i) => ({
      role: m.role,
      content: m.content,
      ...(m.images?.length ? { images: m.images.map((img) => jobImage(img, i)) } : {}),
      ...(m.toolCalls?.length ? { toolCalls: m.toolCalls.map((c) => ({ ...c })) } : {}),
      ...(m.toolCallId === undefined ? {} : { toolCallId: m.toolCallId }),
    })),
    maxTokens: req.maxTokens ?? null,
    temperature: req.temperature,
    topP: req.topP,
    stop: [...req.stop],
    seed: req.seed ?? null,
    // Version 2 fields: only when they differ from the default, so plain jobs stay as they were.
    ...(req.frequencyPenalty === 0 ? {} : { frequencyPenalty: req.frequencyPenalty }),
    ...(req.presencePenalty === 0 ? {} : { presencePenalty: req.presencePenalty }),
    ...(req.logitBias.length === 0
      ? {}
      : { logitBias: req.logitBias.map(([t, b]) => [t, b] as [number, number]) }),
    ...(req.logprobs === null ? {} : { logprobs: req.logprobs }),
    ...(req.tools.length === 0 || req.toolChoice === 'none'
      ? {}
      : {
          tools: req.tools.map((t) => ({ ...t, parameters: { ...t.parameters } })),
          toolChoice: req.toolChoice,
          parallelToolCalls: req.parallelToolCalls,
        }),
    ...(req.responseFormat.type === 'text'
      ? {}
      : {
          responseFormat:
            req.responseFormat.type === 'json_object'
              ? { type: 'json_object' as const }
              : { type: 'json_schema' as const, schema: { ...req.responseFormat.schema } },
        }),
    ...(req.reasoningEffort === null ? {} : { reasoningEffort: req.reasoningEffort }),
    ...(req.prompt === undefined ? {} : { prompt: { ...req.prompt } }),
  };
}

/** A node gets image bytes, never a URL: whoever holds a URL fetches it first (or refuses it). */
function jobImage(image: ImageInput, message: number) {
  if (image.kind === 'data') return { mimeType: image.mimeType, base64: image.base64 };
  throw new ProximaError(
    'unsupported_parameter',
    `'messages[${message}].content' holds an image URL that was not fetched. Send it as a data URL.`,
    { param: `messages[${message}].content` },
  );
}
