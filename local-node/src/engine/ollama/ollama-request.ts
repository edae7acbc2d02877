/**
 * A GenerateRequest as an Ollama request: a chat goes to /api/chat, a raw completion to
 * /api/generate (`raw` without a suffix; with one, Ollama's template does the fill-in-the-middle).
 * Prompts that do not fit are refused rather than cut (`truncate`/`shift` false).
 */
import { FIELD_LIMITS } from '@proxima/core/protocol';
import type { Options } from 'ollama';
import { InvalidRequestError, type EngineMessage, type GenerateRequest } from '../engine.ts';
import { forcedToolFormat, withToolsListed, type ForcedTools } from './ollama-tool-choice.ts';
import type { OllamaTarget } from './ollama-models.ts';
import type { OllamaChatBody, OllamaGenerateBody, OllamaWireMessage } from './ollama-wire.ts';

export type OllamaCall =
  | {
      readonly endpoint: 'chat';
      readonly body: OllamaChatBody;
      /** Set when a tool call is required: the calls come as JSON text under `format`. */
      readonly forced: ForcedTools | undefined;
      /** False: at most one tool call is passed on. */
      readonly parallelToolCalls: boolean;
    }
  | { readonly endpoint: 'generate'; readonly body: OllamaGenerateBody };

/** The arguments text of an earlier call as the object Ollama wants. */
function argumentsObject(text: string, param: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidRequestError(`${param}: must be a JSON object`, param);
  return value as Record<string, unknown>;
}

/** Messages as Ollama takes them: images as bytes, tool answers naming their tool. */
export function ollamaMessagesOf(messages: readonly EngineMessage[]): OllamaWireMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m, i): OllamaWireMessage => {
    const images =
      m.images && m.images.length > 0
        ? { images: m.images.map((img) => new Uint8Array(Buffer.from(img.base64, 'base64'))) }
        : {};
    if (m.role === 'tool') {
      const name = m.toolCallId === undefined ? undefined : toolNames.get(m.toolCallId);
      return {
        role: 'tool',
        content: m.content,
        ...(name === undefined ? {} : { tool_name: name }),
        ...(m.toolCallId === undefined ? {} : { tool_call_id: m.toolCallId }),
      };
    }
    const calls = m.role === 'assistant' ? (m.toolCalls ?? []) : [];
    for (const c of calls) toolNames.set(c.id, c.name);
    return {
      role: m.role,
      content: m.content,
      ...images,
      ...(calls.length === 0
        ? {}
        : {
            tool_calls: calls.map((c, j) => ({
              id: c.id,
              function: {
                name: c.name,
                arguments: argumentsObject(
                  c.arguments,
                  `messages[${i}].tool_calls[${j}].arguments`,
                ),
              },
            })),
          }),
    };
  });
}

/** Sampling options; num_predict only when bounded (an unbounded job ends at the context's end). */
export function ollamaOptionsOf(
  req: GenerateRequest,
  numCtx: number | undefined,
): Partial<Options> {
  const stop = req.stop.filter((s) => s !== '');
  const bounded = req.maxTokens <= FIELD_LIMITS.maxTokensCeiling;
  return {
    temperature: req.temperature,
    top_p: req.topP,
    ...(req.seed === undefined ? {} : { seed: req.seed }),
    ...(stop.length === 0 ? {} : { stop }),
    ...(bounded ? { num_predict: req.maxTokens } : {}),
    ...(req.frequencyPenalty === undefined ? {} : { frequency_penalty: req.frequencyPenalty }),
    ...(req.presencePenalty === undefined ? {} : { presence_penalty: req.presencePenalty }),
    ...(numCtx === undefined ? {} : { num_ctx: numCtx }),
  };
}

/** `think`: only for models that think; 'none' turns it off, any other effort on. */
function thinkOf(req: GenerateRequest, target: OllamaTarget): { think?: boolean } {
  const effort = req.reasoningEffort;
  if (effort === undefined) return {};
  if (target.reasoning) return { think: effort !== 'none' };
  if (effort === 'none') return {};
  throw new InvalidRequestError('reasoning_effort: this model does not reason', 'reasoning_effort');
}

function formatOf(req: GenerateRequest): { format?: string | object } {
  const f = req.responseFormat;
  if (f === undefined) return {};
  return { format: f.type === 'json_object' ? 'json' : f.schema };
}

/** Refuses what Ollama cannot do at all, before any request is made. */
function checkRequest(req: GenerateRequest): void {
  if (!Number.isSafeInteger(req.maxTokens) || req.maxTokens < 1)
    throw new Error(`ollama engine: maxTokens must be a positive integer, got ${req.maxTokens}`);
  if (req.assistantPrefix !== undefined)
    throw new Error('ollama engine: cannot continue an assistant turn (assistantPrefix)');
  if ((req.logitBias?.length ?? 0) > 0)
    throw new InvalidRequestError('logit_bias: Ollama has no logit bias', 'logit_bias');
  if (req.prompt === undefined && req.messages.length === 0)
    throw new Error('ollama engine: messages must not be empty');
}

/** What /api/chat and /api/generate bodies share. */
function sharedFields(req: GenerateRequest, target: OllamaTarget) {
  return {
    ...(req.logprobs === undefined ? {} : { logprobs: true, top_logprobs: req.logprobs }),
    options: ollamaOptionsOf(req, target.numCtx),
    ...(target.keepAlive === undefined ? {} : { keep_alive: target.keepAlive }),
    truncate: false as const,
    shift: false as const,
    stream: true as const,
  };
}

function completionCall(
  req: GenerateRequest,
  target: OllamaTarget,
  prompt: NonNullable<GenerateRequest['prompt']>,
): OllamaCall {
  if ((req.tools?.length ?? 0) > 0)
    throw new InvalidRequestError('tools: a raw completion takes no tools', 'tools');
  const suffix = prompt.suffix ?? '';
  return {
    endpoint: 'generate',
    body: {
      model: target.name,
      prompt: prompt.text,
      // Ollama ignores a suffix in raw mode: its template builds the fill-in-the-middle prompt.
      ...(suffix === '' ? { raw: true } : { suffix }),
      // Ollama turns thinking on for models that think; a completion's text is taken as it comes.
      ...(target.reasoning ? { think: false } : {}),
      ...formatOf(req),
      ...sharedFields(req, target),
    },
  };
}

export function ollamaCallOf(req: GenerateRequest, target: OllamaTarget): OllamaCall {
  checkRequest(req);
  if (req.prompt !== undefined) return completionCall(req, target, req.prompt);
  const tools = req.tools ?? [];
  const choice = req.toolChoice ?? 'auto';
  const calling = tools.length > 0 && choice !== 'none';
  const parallelToolCalls = req.parallelToolCalls ?? true;
  const forced: ForcedTools | undefined =
    calling && choice !== 'auto' ? { tools, choice, parallel: parallelToolCalls } : undefined;
  if (forced && req.responseFormat !== undefined)
    throw new InvalidRequestError(
      'response_format: cannot be combined with a required tool call on Ollama',
      'response_format',
    );
  const messages = ollamaMessagesOf(req.messages);
  return {
    endpoint: 'chat',
    forced,
    parallelToolCalls,
    body: {
      model: target.name,
      messages: forced ? withToolsListed(messages, forced) : messages,
      ...(calling && !forced
        ? {
            tools: tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: t.parameters },
            })),
          }
        : {}),
      ...(forced ? { format: forcedToolFormat(forced) } : formatOf(req)),
      ...thinkOf(req, target),
      ...sharedFields(req, target),
    },
  };
}
