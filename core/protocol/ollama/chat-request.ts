// POST /api/chat: Ollama's body, translated into the OpenAI chat shape and resolved by the one
// parser (parseChatRequest), so both dialects mean the same thing on every backend.
import * as z from 'zod';
import { FIELD_LIMITS as L, MODEL_ID_PATTERN, MODEL_ID_RULE } from '../limits.ts';
import { parseChatRequest } from '../openai/chat-request.ts';
import { parseOrThrow } from '../validation.ts';
import { sharedFields, wireShared, type OllamaTranslation } from './common.ts';
import { openAiMessagesOf, wireOllamaMessage } from './messages.ts';
import { chatParamNamer, namingErrors } from './params.ts';

export const wireOllamaChat = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  messages: z.array(wireOllamaMessage).max(L.messages).nullish(),
  // Same shape as OpenAI's tools: validated by parseChatRequest.
  tools: z.array(z.unknown()).nullish(),
  ...wireShared,
});

/** Validates an /api/chat body. Throws ProximaError (400) naming the Ollama field. */
export function parseOllamaChat(body: unknown): OllamaTranslation {
  const wire = parseOrThrow(wireOllamaChat, body, 'request body');
  const shared = sharedFields(wire);
  const ollamaMessages = wire.messages ?? [];
  if (ollamaMessages.length === 0) return { kind: 'load', model: wire.model };
  const { messages, withImages, matchedByName } = openAiMessagesOf(ollamaMessages);
  const paramOf = chatParamNamer(withImages, matchedByName);
  const openAi: Record<string, unknown> = {
    model: wire.model,
    messages,
    ...(wire.tools?.length ? { tools: wire.tools } : {}),
    ...shared.fields,
  };
  const request = namingErrors(paramOf, () => parseChatRequest(openAi));
  return {
    kind: 'answer',
    body: openAi,
    request,
    thinkOff: shared.thinkOff,
    numCtx: shared.numCtx,
    paramOf,
  };
}
