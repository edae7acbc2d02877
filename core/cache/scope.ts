// The scope of a cached answer: everything besides the last user turn that can change the answer.
// An entry is only ever compared with lookups of the same scope, so tenants, models, parameters,
// system prompts and conversations never share answers by construction.
//
// The window: the last `windowTurns` messages before the last user turn go in verbatim, so
// "how old is he?" after a chat about Alice never matches the same words after a chat about Bob.
// Older turns count only through their number (and the system prompts, which are always in):
// putting them in verbatim would make every long conversation its own scope and the key grow
// without bound, while leaving them out would let conversations of different depth share answers.
// A referent mentioned only outside the window is the accepted risk; the assistant turns inside
// the window usually restate it.
import type { ChatMessage } from '../protocol/openai/chat-request.ts';
import { canonicalJson } from '../registry/canonical-json.ts';
import { CACHE_DEFAULTS } from './defaults.ts';
import { exactKey } from './exact.ts';

export interface ScopeInput {
  readonly tenant: string;
  /** The tenant's cache epoch from the registry; bumping it orphans every older entry. */
  readonly epoch: number;
  readonly model: string;
  /**
   * Every request parameter except the messages, as JSON (temperature, top_p, max_tokens, stop,
   * seed, response_format, …). Delivery-only fields are dropped, see DELIVERY_ONLY.
   */
  readonly params: Readonly<Record<string, unknown>>;
  readonly messages: readonly ChatMessage[];
  readonly windowTurns?: number;
}

/** Fields that change how an answer is delivered, not what it says (a hit can be replayed). */
const DELIVERY_ONLY = new Set(['messages', 'model', 'stream', 'stream_options']);

export type LastUserTurn =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'no_messages' | 'last_not_user' | 'blank_prompt' };

/** The text the semantic match uses, or why the conversation cannot be answered from the cache. */
export function lastUserTurn(messages: readonly ChatMessage[]): LastUserTurn {
  const last = messages.at(-1);
  if (!last) return { ok: false, reason: 'no_messages' };
  if (last.role !== 'user') return { ok: false, reason: 'last_not_user' };
  if (exactKey(last.content) === '') return { ok: false, reason: 'blank_prompt' };
  return { ok: true, text: last.content };
}

/** Parameters without delivery-only fields, the cache's own options, or null/undefined values. */
function answerParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (DELIVERY_ONLY.has(key) || value === null || value === undefined) continue;
    if (key === 'proxima' && typeof value === 'object' && !Array.isArray(value)) {
      const { cache: _cache, ...rest } = value as Record<string, unknown>;
      if (Object.keys(rest).length > 0) out[key] = rest;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Canonical scope material (the Durable Object hashes it with SHA-256). Throws a RangeError when
 * the conversation is not cacheable: check lastUserTurn first.
 */
export function cacheScope(input: ScopeInput): string {
  const turn = lastUserTurn(input.messages);
  if (!turn.ok) throw new RangeError(`conversation is not cacheable: ${turn.reason}`);
  const windowTurns = input.windowTurns ?? CACHE_DEFAULTS.windowTurns;
  if (!Number.isInteger(windowTurns) || windowTurns < 0) {
    throw new RangeError(`windowTurns must be a non-negative integer, got ${windowTurns}`);
  }
  const before = input.messages.slice(0, -1);
  const turns = before.filter((m) => m.role !== 'system');
  const window = windowTurns === 0 ? [] : turns.slice(-windowTurns);
  const last = input.messages.at(-1)!;
  return canonicalJson({
    v: 'proxima.cache.scope/2',
    tenant: input.tenant,
    epoch: input.epoch,
    model: input.model,
    params: answerParams(input.params),
    system: input.messages.filter((m) => m.role === 'system').map((m) => exactKey(m.content)),
    window: window.map((m) => [m.role, exactKey(m.content), ...beyondText(m)]),
    earlierTurns: turns.length - window.length,
    // The last turn's text is matched (exactly or semantically) inside the scope; what it shows
    // besides text must be the same for an answer to be shared.
    lastTurn: beyondText(last),
  });
}

/**
 * What a message carries besides its text, word for word: images (their bytes or URL), tool calls
 * and the call a tool message answers. Empty for a message of text alone.
 */
function beyondText(m: ChatMessage): unknown[] {
  const parts: unknown[] = [];
  if (m.images?.length)
    parts.push({
      images: m.images.map((i) => (i.kind === 'data' ? [i.mimeType, i.base64] : i.url)),
    });
  if (m.toolCalls?.length)
    parts.push({ toolCalls: m.toolCalls.map((c) => [c.id, c.name, c.arguments]) });
  if (m.toolCallId !== undefined) parts.push({ toolCallId: m.toolCallId });
  return parts;
}
