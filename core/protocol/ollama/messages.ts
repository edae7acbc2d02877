// Ollama's chat messages in OpenAI's shape: images become image parts, tool-call arguments
// (objects in Ollama) become JSON text, and tool results that name their tool rather than a
// call id are matched to the call they answer.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { IMAGE_LIMITS } from '../openai/images.ts';
import { TOOL_LIMITS } from '../openai/tools.ts';
import { imageDataUrl } from './images.ts';

const toolCall = z.object({
  id: z.string().min(1).max(TOOL_LIMITS.callIdChars).nullish(),
  type: z.literal('function').nullish(),
  function: z.object({
    index: z.number().int().min(0).nullish(),
    name: z.string(),
    // An object in Ollama's API; some clients send the JSON text instead.
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});

export const wireOllamaMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullish(),
  /** Earlier reasoning sent back by the client: kept out of the prompt, like reasoning_content. */
  thinking: z.string().nullish(),
  images: z.array(z.string()).max(IMAGE_LIMITS.perRequest).nullish(),
  tool_calls: z.array(toolCall).max(TOOL_LIMITS.callsPerMessage).nullish(),
  tool_name: z.string().max(TOOL_LIMITS.callIdChars).nullish(),
  tool_call_id: z.string().min(1).max(TOOL_LIMITS.callIdChars).nullish(),
});
export type OllamaMessage = z.infer<typeof wireOllamaMessage>;

export interface OpenAiMessages {
  readonly messages: Record<string, unknown>[];
  /** Indexes of messages that carry images (their content is [text, ...images]). */
  readonly withImages: ReadonlySet<number>;
  /** Indexes of tool messages whose call was found by `tool_name` (or by order). */
  readonly matchedByName: ReadonlySet<number>;
}

function invalid(param: string, why: string): ProximaError {
  return new ProximaError('invalid_request', `Invalid '${param}': ${why}.`, { param });
}

/** JSON text of a call's arguments: an object, or text that parses to one. */
function argumentsText(args: Record<string, unknown> | string | null | undefined, param: string) {
  if (args === null || args === undefined) return '{}';
  if (typeof args !== 'string') return JSON.stringify(args);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw invalid(param, 'must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid(param, 'must be a JSON object');
  return args;
}

/** Fields Ollama would ignore on a role that does not use them: a 400, never a silent drop. */
function refuseMisplaced(m: OllamaMessage, at: string): void {
  const misplaced: Array<[boolean, string, string]> = [
    [(m.images?.length ?? 0) > 0 && m.role !== 'user', 'images', 'user'],
    [(m.tool_calls?.length ?? 0) > 0 && m.role !== 'assistant', 'tool_calls', 'assistant'],
    [!!m.thinking && m.role !== 'assistant', 'thinking', 'assistant'],
    [m.tool_name != null && m.role !== 'tool', 'tool_name', 'tool'],
    [m.tool_call_id != null && m.role !== 'tool', 'tool_call_id', 'tool'],
  ];
  for (const [wrong, field, role] of misplaced)
    if (wrong) throw invalid(`${at}.${field}`, `only ${role} messages carry it`);
}

export function openAiMessagesOf(messages: readonly OllamaMessage[]): OpenAiMessages {
  const withImages = new Set<number>();
  const matchedByName = new Set<number>();
  /** Calls made by earlier assistant turns and not answered yet, oldest first. */
  const pending: Array<{ id: string; name: string }> = [];
  const out = messages.map((m, i): Record<string, unknown> => {
    const at = `messages[${i}]`;
    const text = m.content ?? '';
    refuseMisplaced(m, at);
    if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map((c, j) => {
        const id = c.id ?? `call_${i}_${j}`;
        pending.push({ id, name: c.function.name });
        return {
          id,
          type: 'function',
          function: {
            name: c.function.name,
            arguments: argumentsText(
              c.function.arguments,
              `${at}.tool_calls[${j}].function.arguments`,
            ),
          },
        };
      });
      return {
        role: 'assistant',
        content: calls.length > 0 && text === '' ? null : text,
        ...(calls.length > 0 ? { tool_calls: calls } : {}),
        ...(m.thinking ? { reasoning_content: m.thinking } : {}),
      };
    }
    if (m.role === 'tool') {
      let id = m.tool_call_id ?? undefined;
      if (id === undefined) {
        const byName = m.tool_name ?? undefined;
        const k = byName === undefined ? 0 : pending.findIndex((p) => p.name === byName);
        if (k < 0 || pending[k] === undefined)
          throw invalid(
            byName === undefined ? `${at}.tool_call_id` : `${at}.tool_name`,
            byName === undefined
              ? 'no earlier tool call is left for this tool message to answer'
              : `no earlier, unanswered tool call is named '${byName}'`,
          );
        id = pending[k].id;
        matchedByName.add(i);
      }
      const answered = pending.findIndex((p) => p.id === id);
      if (answered >= 0) pending.splice(answered, 1);
      return { role: 'tool', content: text, tool_call_id: id };
    }
    const images = m.images ?? [];
    if (images.length === 0) return { role: m.role, content: text };
    withImages.add(i);
    return {
      role: m.role,
      content: [
        { type: 'text', text },
        ...images.map((image, k) => ({
          type: 'image_url',
          image_url: { url: imageDataUrl(image, `${at}.images[${k}]`) },
        })),
      ],
    };
  });
  return { messages: out, withImages, matchedByName };
}
