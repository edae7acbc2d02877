// Which model capabilities a request needs, and the 400 when no backend of its model has one.
// A parameter is honoured or refused by name: never silently dropped because the backend that
// happened to be chosen could not do it.
import { ProximaError } from '../protocol/errors.ts';
import type { ModelCapability } from '../protocol/node/messages.ts';
import type { ChatRequest } from '../protocol/openai/chat-request.ts';
import type { Backend } from './backend.ts';

export interface CapabilityNeed {
  readonly capability: ModelCapability;
  /** The request parameter that needs it, as the client named it. */
  readonly param: string;
}

type Needing = Pick<
  ChatRequest,
  | 'messages'
  | 'tools'
  | 'toolChoice'
  | 'responseFormat'
  | 'frequencyPenalty'
  | 'presencePenalty'
  | 'logitBias'
  | 'logprobs'
  | 'reasoningEffort'
  | 'prompt'
>;

export function requiredCapabilities(req: Needing): CapabilityNeed[] {
  const needs: CapabilityNeed[] = [];
  const need = (capability: ModelCapability, param: string) => needs.push({ capability, param });
  if (req.tools.length > 0 && req.toolChoice !== 'none') need('tools', 'tools');
  // A conversation that carries earlier tool calls needs a model that can read them.
  else if (req.messages.some((m) => m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0))
    need('tools', 'messages');
  if (req.responseFormat.type !== 'text') need('json_schema', 'response_format');
  const image = req.messages.findIndex((m) => (m.images?.length ?? 0) > 0);
  if (image >= 0) need('vision', `messages[${image}].content`);
  if (req.frequencyPenalty !== 0) need('penalties', 'frequency_penalty');
  if (req.presencePenalty !== 0) need('penalties', 'presence_penalty');
  if (req.logitBias.length > 0) need('logit_bias', 'logit_bias');
  if (req.logprobs !== null) need('logprobs', 'logprobs');
  if (req.reasoningEffort !== null) need('reasoning', 'reasoning_effort');
  if (req.prompt?.suffix !== undefined) need('fim', 'suffix');
  return needs;
}

/** Whether the backend's model has every capability in `needs`. */
export function canServe(
  backend: Pick<Backend, 'capabilities'>,
  needs: readonly CapabilityNeed[],
): boolean {
  const has = backend.capabilities ?? [];
  return needs.every((n) => has.includes(n.capability));
}

/**
 * The backends that can serve the request. When some backends serve the model but none has a
 * needed capability, a 400 that names the parameter: no retry or other backend would help.
 */
export function capableBackends<B extends Pick<Backend, 'capabilities'>>(
  backends: readonly B[],
  needs: readonly CapabilityNeed[],
  model: string,
): B[] {
  if (needs.length === 0) return [...backends];
  const capable = backends.filter((b) => canServe(b, needs));
  if (capable.length > 0 || backends.length === 0) return capable;
  const missing =
    needs.find((n) => !backends.some((b) => (b.capabilities ?? []).includes(n.capability))) ??
    needs[0]!;
  throw new ProximaError(
    'unsupported_parameter',
    `'${missing.param}' needs a model with the '${missing.capability}' capability, and no backend ` +
      `serving '${model}' has it (GET /v1/models/${model} lists what it can do).`,
    { param: missing.param },
  );
}
