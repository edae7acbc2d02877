// The near-miss guard: a semantic candidate is refused when the two prompts differ in something a
// lexical embedding barely registers but that changes the answer. It reads only the text, never
// the embedder. Rules, in the order they are reported:
//   number    the multisets of numbers differ (3 vs 5 nodes, v2.1 vs v3.0, 10% vs 20%, 2nd vs 3rd;
//             "three" = "3", "1,000" = "1000", "50 percent" = "50%").
//   negation  the number of negation cues differs (not, no, never, without, cannot, n't, dont…).
//   polarity  a strong opposing word (enable/disable, start/stop…) is counted differently, or a
//             weak one (on/off, up/down, before/after…) is flipped: each text has the side the
//             other lacks.
//   quoted    a quoted string ('…', "…", `…`, “…”) occurs a different number of times in the two
//             texts (quotes ignored, so dropping the quotes alone is not a difference).
//   entity    a name or identifier found by its shape in either text (see guard-features.ts)
//             occurs a different number of times in the two; or a content word (not a function
//             or filler word) is in one text only: a lower-case name swapped ("restart nginx" vs
//             "restart apache") or a qualifier added ("… in production"). Inflections are one
//             stem; words of 5+ letters one edit apart are a typo, not a difference.
// Case, punctuation, clause order and filler words change none of these features.
import { guardFeatures, type GuardFeatures, type Multiset } from './guard-features.ts';

export type GuardReason = 'number' | 'negation' | 'polarity' | 'quoted' | 'entity';
export type GuardResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: GuardReason };

const OK: GuardResult = { ok: true };

function sameMultiset(a: Multiset, b: Multiset): boolean {
  if (a.size !== b.size) return false;
  for (const [k, n] of a) if (b.get(k) !== n) return false;
  return true;
}

/** Keys that a has more often than b. */
function surplus(a: Multiset, b: Multiset): string[] {
  const out: string[] = [];
  for (const [k, n] of a) if (n > (b.get(k) ?? 0)) out.push(k);
  return out;
}

function opposite(key: string): string {
  return key.endsWith(':0') ? `${key.slice(0, -1)}1` : `${key.slice(0, -1)}0`;
}

function flipped(a: Multiset, b: Multiset): boolean {
  const moreInB = new Set(surplus(b, a));
  return surplus(a, b).some((k) => moreInB.has(opposite(k)));
}

/** Non-overlapping occurrences of needle in hay, not inside a longer word. */
function occurrences(hay: string, needle: string): number {
  let n = 0;
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) {
    const before = hay[at - 1] ?? ' ';
    const after = hay[at + needle.length] ?? ' ';
    if (!/[\p{L}\p{N}_-]/u.test(before) && !/[\p{L}\p{N}_-]/u.test(after)) n++;
  }
  return n;
}

function quotedDiffer(a: GuardFeatures, b: GuardFeatures): boolean {
  for (const q of new Set([...a.quoted, ...b.quoted])) {
    if (occurrences(a.unquoted, q) !== occurrences(b.unquoted, q)) return true;
  }
  return false;
}

function entitiesDiffer(a: GuardFeatures, b: GuardFeatures): boolean {
  for (const e of new Set([...a.entities, ...b.entities])) {
    if ((a.tokens.get(e) ?? 0) !== (b.tokens.get(e) ?? 0)) return true;
  }
  return false;
}

/** At most one insertion, deletion, substitution or swap of neighbours apart. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * A content word one text has and the other lacks, once pairs one edit apart (words of 5+ letters)
 * are forgiven as typos: a swapped lower-case name (nginx → apache) or an added qualifier ("… in
 * production"). Function and filler words are not content, so politeness never refuses.
 */
function contentDiffers(a: GuardFeatures, b: GuardFeatures): boolean {
  const onlyB = surplus(b.content, a.content);
  const onlyA = surplus(a.content, b.content).filter((x) => {
    const j = onlyB.findIndex((y) => x.length >= 5 && y.length >= 5 && oneEditApart(x, y));
    if (j >= 0) onlyB.splice(j, 1);
    return j < 0;
  });
  return onlyA.length > 0 || onlyB.length > 0;
}

/** Compares the features of two prompts (see the rules at the top of this file). */
export function compareGuardFeatures(a: GuardFeatures, b: GuardFeatures): GuardResult {
  if (!sameMultiset(a.numbers, b.numbers)) return { ok: false, reason: 'number' };
  if (a.negations !== b.negations) return { ok: false, reason: 'negation' };
  if (!sameMultiset(a.strong, b.strong) || flipped(a.weak, b.weak))
    return { ok: false, reason: 'polarity' };
  if (quotedDiffer(a, b)) return { ok: false, reason: 'quoted' };
  if (entitiesDiffer(a, b) || contentDiffers(a, b)) return { ok: false, reason: 'entity' };
  return OK;
}

/** May a cached answer to `a` be served for `b`? */
export function nearMissGuard(a: string, b: string): GuardResult {
  return compareGuardFeatures(guardFeatures(a), guardFeatures(b));
}
