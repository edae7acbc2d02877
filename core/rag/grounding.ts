// The chat extension `proxima.rag`: which namespace grounds the answer, and how the retrieved
// chunks are put in front of the model — one system message of numbered sources, each tagged with
// its chunk id, placed just before the last user turn so it stays near the question.
import * as z from 'zod';
import type { ChatMessage } from '../protocol/openai/chat-request.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import type { Filter } from './filter.ts';
import { RAG_LIMITS as L } from './limits.ts';
import { filterSchema, SEARCH_MODES, type SearchMode } from './schema.ts';

export interface RagOptions {
  readonly namespace: string;
  readonly topK: number;
  readonly mode: SearchMode;
  readonly filter: Filter | null;
}

const schema = z.object({
  proxima: z.object({
    rag: z
      .strictObject({
        namespace: z.string().regex(L.namespacePattern, `must be ${L.namespaceRule}`),
        top_k: z.number().int().min(1).max(L.topKMax).optional(),
        mode: z.enum(SEARCH_MODES).optional(),
        filter: filterSchema.nullish(),
      })
      .nullish(),
  }),
});

/** Parses `proxima.rag` (undefined or null: no grounding). Throws ProximaError 400 naming the field. */
export function parseRagOptions(value: unknown): RagOptions | null {
  const rag = parseOrThrow(schema, { proxima: { rag: value } }, 'proxima.rag').proxima.rag;
  if (rag === undefined || rag === null) return null;
  return {
    namespace: rag.namespace,
    topK: rag.top_k ?? L.topKDefault,
    mode: rag.mode ?? 'hybrid',
    filter: rag.filter ?? null,
  };
}

export interface GroundingSource {
  readonly chunkId: string;
  readonly text: string;
}

/** The system message that carries the retrieved chunks, each under its chunk id. */
export function groundingMessage(sources: readonly GroundingSource[]): ChatMessage {
  const blocks = sources.map((s) => `[${s.chunkId}]\n${s.text.trim()}`);
  return {
    role: 'system',
    content:
      'Answer using the sources below when they are relevant. Cite each source you use by its id in ' +
      'square brackets, e.g. [' +
      (sources[0]?.chunkId ?? 'doc#0') +
      ']. If the sources do not contain the answer, say so.\n\n' +
      blocks.join('\n\n'),
  };
}

/** The messages with the grounding message placed just before the last user turn. */
export function groundMessages(
  messages: readonly ChatMessage[],
  sources: readonly GroundingSource[],
): ChatMessage[] {
  if (sources.length === 0) return [...messages];
  let at = messages.length;
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === 'user') {
      at = i;
      break;
    }
  return [...messages.slice(0, at), groundingMessage(sources), ...messages.slice(at)];
}
