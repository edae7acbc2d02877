// What a prompt states that a lexical embedder barely sees: numbers, negations, opposing words,
// quoted strings, names and identifiers. Extracted once per text; guard.ts compares two of them.
import { numbersOf } from './guard-numbers.ts';
import {
  FILLERS,
  FUNCTION_WORDS,
  MULTIPLIERS,
  NEGATIONS,
  NUMBER_WORDS,
  ORDINAL_WORDS,
  PERCENT_WORDS,
  STRONG_PAIRS,
  WEAK_PAIRS,
  stem,
} from './guard-words.ts';

export type Multiset = ReadonlyMap<string, number>;

export interface GuardFeatures {
  /** Canonical numbers ("3", "2.1.3", "50%", "#2" for ordinals). */
  readonly numbers: Multiset;
  readonly negations: number;
  /** Strong opposing words as "pair:side" (enable/disable…): counts must agree. */
  readonly strong: Multiset;
  /** Weak opposing words as "pair:side" (on/off…): only a flip refuses. */
  readonly weak: Multiset;
  /** Quoted strings, lower-cased, and the text they are counted in (quotes removed). */
  readonly quoted: readonly string[];
  readonly unquoted: string;
  /** Names and identifiers found by their shape, lower-cased. */
  readonly entities: ReadonlySet<string>;
  /** Every whitespace token (and hyphen part), lower-cased and trimmed: where entities are counted. */
  readonly tokens: Multiset;
  /** Stems of content words (no function words, fillers, numbers, negations). */
  readonly content: Multiset;
}

const WORD = /[\p{L}\p{N}]+(?:'\p{L}+)*/gu;
const CLITIC = /'(?:s|re|ve|ll|d|m)$/u;
const QUOTE_CHARS = /["“”«»`‘’]|(?<=^|[\s([{:=,])'|'(?=$|[\s)\]}.,;:!?])/gu;
const QUOTED = [
  /"([^"\n]+)"/gu,
  /“([^”\n]+)”/gu,
  /«([^»\n]+)»/gu,
  /`([^`\n]+)`/gu,
  /‘([^’\n]+)’/gu,
  // A straight single quote only where it cannot be an apostrophe (don't, users' files).
  /(?<=^|[\s([{:=,])'([^'\n]+?)'(?=$|[\s)\]}.,;:!?])/gu,
];
const LEAD = /^["'“”‘’«»`([{<*_]+/u;
const TRAIL = /["'“”‘’«»`)\]}>.,;:!?*]+$/u;

function count(items: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

const PAIR_SIDES = (() => {
  const m = new Map<string, { key: string; strong: boolean }[]>();
  const add = (pairs: typeof STRONG_PAIRS, strong: boolean, tag: string): void => {
    pairs.forEach((pair, i) =>
      pair.forEach((word, side) => {
        const s = stem(word);
        m.set(s, [...(m.get(s) ?? []), { key: `${tag}${i}:${side}`, strong }]);
      }),
    );
  };
  add(STRONG_PAIRS, true, 's');
  add(WEAK_PAIRS, false, 'w');
  return m;
})();

function squash(s: string): string {
  return s.toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * Entity shapes (a token with at least one letter). By form: letters with digits (v8, ipv4),
 * e-mails and URLs, internal dots, underscores or slashes (node.js, my_var, /etc/hosts). By case,
 * unless the whole text is shouted or Title Cased (then case says nothing): ALLCAPS (TLS, AWS),
 * inner capitals (PostgreSQL, macOS), and capitalised words that do not start a sentence (Kafka,
 * Alice). Function and filler words ("Please", "I") are never names.
 */
function isEntity(token: string, sentenceStart: boolean, caseSays: boolean): boolean {
  // Plain numbers, ordinals and percentages are the number rule's.
  if (!/\p{L}/u.test(token) || /^\d+(?:st|nd|rd|th)$/iu.test(token)) return false;
  if (/\p{N}/u.test(token)) return true;
  if (/@|:\/\//u.test(token) || /^(?:~|\.{1,2})?\/\p{L}/u.test(token)) return true;
  if (/[\p{L}\p{N}][._/\\][\p{L}\p{N}]/u.test(token)) return true;
  if (!caseSays || !isContent(token.toLowerCase().replace(CLITIC, ''))) return false;
  if (isAllCaps(token) || /\p{Ll}\p{Lu}/u.test(token)) return true;
  return !sentenceStart && /^\p{Lu}\p{Ll}/u.test(token);
}

function isAllCaps(token: string): boolean {
  const letters = token.replace(/\P{L}/gu, '');
  return (
    letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase()
  );
}

function entitiesAndTokens(text: string): { entities: Set<string>; tokens: Map<string, number> } {
  const found: { token: string; start: boolean }[] = [];
  let prevEnd = 0;
  let prevRaw = '';
  for (const m of text.matchAll(/\S+/gu)) {
    const raw = m[0];
    const quoted = /^["'“‘«`]/u.test(raw);
    const start =
      quoted ||
      prevRaw === '' ||
      /[.!?:;]$/u.test(prevRaw) ||
      text.slice(prevEnd, m.index).includes('\n');
    prevEnd = m.index + raw.length;
    prevRaw = raw;
    const token = raw
      .replace(LEAD, '')
      .replace(TRAIL, '')
      .replace(/['’]s$/u, '');
    if (token === '') continue;
    const parts = token.includes('-') ? token.split('-').filter((p) => p.length >= 2) : [];
    for (const t of [token, ...parts]) found.push({ token: t, start });
  }
  const worded = found.filter((f) => /\p{L}/u.test(f.token));
  const share = (test: (t: string) => boolean): number =>
    worded.filter((f) => test(f.token)).length / Math.max(1, worded.length);
  const caseSays =
    share(isAllCaps) < 0.5 && share((t) => /^\p{Lu}/u.test(t) && !isAllCaps(t)) < 0.5;
  const entities = new Set<string>();
  for (const f of found)
    if (isEntity(f.token, f.start, caseSays)) entities.add(f.token.toLowerCase());
  return { entities, tokens: count(found.map((f) => f.token.toLowerCase())) };
}

function isNegation(word: string): boolean {
  return NEGATIONS.has(word) || word.endsWith("n't");
}

function isContent(word: string): boolean {
  return !(
    /\p{N}/u.test(word) ||
    FUNCTION_WORDS.has(word) ||
    FILLERS.has(word) ||
    NUMBER_WORDS.has(word) ||
    MULTIPLIERS.has(word) ||
    ORDINAL_WORDS.has(word) ||
    PERCENT_WORDS.has(word) ||
    isNegation(word)
  );
}

export function guardFeatures(text: string): GuardFeatures {
  const nfkc = text.normalize('NFKC');
  const lower = nfkc.toLowerCase().replaceAll('’', "'");
  const words = lower.match(WORD) ?? [];
  const bare = words.map((w) => w.replace(CLITIC, ''));
  const strong: string[] = [];
  const weak: string[] = [];
  for (const w of bare) {
    for (const side of PAIR_SIDES.get(stem(w)) ?? []) (side.strong ? strong : weak).push(side.key);
  }
  const quoted = QUOTED.flatMap((re) => [...nfkc.matchAll(re)].map((m) => squash(m[1] ?? '')));
  const { entities, tokens } = entitiesAndTokens(nfkc);
  return {
    numbers: count(numbersOf(lower, bare)),
    negations: words.filter(isNegation).length,
    strong: count(strong),
    weak: count(weak),
    quoted: quoted.filter((q) => q !== ''),
    unquoted: squash(nfkc.replace(QUOTE_CHARS, ' ')),
    entities,
    tokens,
    content: count(bare.filter(isContent).map(stem)),
  };
}
