/**
 * The counting answer: what the failover tests' engine (counting-engine.ts) and upstream stand-in
 * (counting-upstream.ts) say to a prompt, as a known function of it, so a client can check a
 * stream that crossed backends token by token. Token i is `<tag><i> `; the tag comes from a hash
 * of the last user message, so concurrent requests have different answers. A last user message
 * holding `stop=<n>` ends the answer naturally after n tokens ('stop'); otherwise it runs to the
 * token budget ('length'). Pure.
 */

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** Four lowercase letters from FNV-1a of the text: no digit, so `<tag><i>` parses back. */
export function tagOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let tag = '';
  for (let i = 0; i < 4; i++) {
    tag += String.fromCharCode(97 + (h % 26));
    h = Math.floor(h / 26);
  }
  return tag;
}

export function tokenAt(tag: string, index: number): string {
  return `${tag}${index} `;
}

/** Tokens `from` .. `to - 1`, joined. */
export function sequenceText(tag: string, to: number, from = 0): string {
  let text = '';
  for (let i = from; i < to; i++) text += tokenAt(tag, i);
  return text;
}

export function lastUserMessage(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user') return m.content;
  }
  return '';
}

/** The natural length a prompt asks for (`stop=<n>`), or null: run to the budget. */
export function naturalStop(prompt: string): number | null {
  const match = /\bstop=(\d{1,6})\b/.exec(prompt);
  return match ? Number(match[1]) : null;
}

/** A deterministic prompt-size figure both backends report, so usage can be checked exactly. */
export function promptTokens(messages: readonly ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) chars += m.content.length;
  return messages.length + Math.ceil(chars / 4);
}

export interface Answer {
  readonly tag: string;
  /** Tokens in the whole answer. */
  readonly tokens: number;
  readonly text: string;
  readonly finishReason: 'stop' | 'length';
  readonly promptTokens: number;
}

/** The whole answer a client must end up with for these messages and max_tokens. */
export function expectedAnswer(messages: readonly ChatMessage[], maxTokens: number): Answer {
  const prompt = lastUserMessage(messages);
  const tag = tagOf(prompt);
  const stop = naturalStop(prompt);
  const stops = stop !== null && stop < maxTokens;
  const tokens = stops ? stop : maxTokens;
  return {
    tag,
    tokens,
    text: sequenceText(tag, tokens),
    finishReason: stops ? 'stop' : 'length',
    promptTokens: promptTokens(messages),
  };
}

/**
 * How many tokens of the sequence `prefix` holds, or null when it is not exactly the first k
 * tokens of this tag's sequence (a repeated, lost or foreign token, or a token cut in half).
 */
export function countPrefix(tag: string, prefix: string): number | null {
  let k = 0;
  let at = 0;
  while (at < prefix.length) {
    const token = tokenAt(tag, k);
    if (!prefix.startsWith(token, at)) return null;
    at += token.length;
    k++;
  }
  return k;
}

export interface TokenAudit {
  /** Token occurrences beyond the first, plus tokens that are not of this sequence. */
  readonly duplicated: number;
  /** Sequence tokens below `expected` (or below the highest one seen) that never arrived. */
  readonly lost: number;
  /** Adjacent tokens out of order. */
  readonly reordered: number;
}

/**
 * Audits a received text token by token against the sequence. `expected`: how many tokens a
 * complete answer has; null for an answer that ended early on purpose (an explicit error), where
 * only gaps below the last token seen count as lost.
 */
export function auditTokens(tag: string, text: string, expected: number | null): TokenAudit {
  const counts = new Map<number, number>();
  let duplicated = 0;
  let reordered = 0;
  let previous = -1;
  let highest = -1;
  const pattern = new RegExp(`^${tag}(\\d+)$`);
  for (const token of text.split(' ')) {
    if (token === '') continue;
    const match = pattern.exec(token);
    if (!match) {
      duplicated++;
      continue;
    }
    const index = Number(match[1]);
    const seen = counts.get(index) ?? 0;
    if (seen > 0) duplicated++;
    counts.set(index, seen + 1);
    if (index < previous) reordered++;
    previous = index;
    highest = Math.max(highest, index);
  }
  const upTo = expected ?? highest + 1;
  let lost = 0;
  for (let i = 0; i < upTo; i++) if (!counts.has(i)) lost++;
  if (expected !== null) {
    // A token past the end of the answer is surplus (its repeats are already counted above).
    for (const index of counts.keys()) if (index >= expected) duplicated++;
  }
  return { duplicated, lost, reordered };
}
