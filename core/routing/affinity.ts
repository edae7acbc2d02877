/**
 * Conversation affinity: a follow-up turn should go to the node that answered the turn before,
 * which still holds that conversation in its KV cache. A turn is recognised by its history: the
 * request [...history, user] continues the conversation whose last answer made `history`. Pure:
 * the edge hashes what these return and remembers which backend answered.
 */

export interface TurnMessage {
  readonly role: string;
  readonly content: string;
}

/** Fewer messages than this and there is no earlier turn to follow. */
const MIN_FOLLOW_UP_MESSAGES = 3;

function material(scope: string, messages: readonly TurnMessage[]): string {
  // JSON keeps role and content boundaries unambiguous; the scope (the API key) keeps one
  // client's conversations from ever steering another's.
  return JSON.stringify([scope, messages.map((m) => [m.role, m.content])]);
}

/** What names the conversation this request continues; null for a first turn. */
export function followUpMaterial(scope: string, messages: readonly TurnMessage[]): string | null {
  if (messages.length < MIN_FOLLOW_UP_MESSAGES) return null;
  const last = messages.at(-1);
  if (last?.role !== 'user') return null;
  return material(scope, messages.slice(0, -1));
}

/** What names the conversation once `answer` was given to `messages`: the next turn's history. */
export function answeredMaterial(
  scope: string,
  messages: readonly TurnMessage[],
  answer: string,
): string {
  return material(scope, [...messages, { role: 'assistant', content: answer }]);
}
