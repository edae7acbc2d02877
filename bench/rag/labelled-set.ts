// A labelled retrieval set from the man pages on this machine: each query is a page's NAME
// description, its relevant documents every page with that same description, and no document
// keeps its NAME section, so a query cannot find its answer by matching its label verbatim.
import { type Rng, seededRng } from '@proxima/core/lsh';
import { type ManPage, manPageText, pageIdsOfPackages, readManPages } from './man-pages.ts';

export interface LabelledDoc {
  readonly id: string;
  readonly text: string;
}

export interface LabelledQuery {
  readonly text: string;
  /** Ids of the documents that answer it, sorted. */
  readonly relevant: string[];
}

export interface LabelledSet {
  readonly docs: LabelledDoc[];
  readonly queries: LabelledQuery[];
  /** Where the set came from and how it was cut, for a report. */
  readonly note: string;
}

export interface LabelledSetOptions {
  readonly maxDocs: number;
  readonly maxQueries: number;
  readonly seed: number;
  /**
   * Only pages these Debian packages installed (e.g. ['manpages', 'manpages-dev']): the same set
   * on any machine with those versions. Default: every English page here.
   */
  readonly packages?: readonly string[];
}

/** Shorter descriptions ("list files") are too vague to label one page. */
export const MIN_QUERY_WORDS = 3;
/** A description shared by more pages is boilerplate ("API function"), not a topic. */
export const MAX_RELEVANT = 5;

/** The items in an order drawn from rng: each gets a random key, then a sort by key. */
function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return items
    .map((item) => ({ key: rng.next(), item }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.item);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`buildLabelledSet: ${name} must be a positive integer, got ${value}`);
}

/** Pages grouped by description, only the groups that make a usable query; sorted. */
function queryGroups(pages: readonly ManPage[]): [string, ManPage[]][] {
  const groups = new Map<string, ManPage[]>();
  for (const page of pages) {
    if (page.description === null) continue;
    const group = groups.get(page.description);
    if (group) group.push(page);
    else groups.set(page.description, [page]);
  }
  return [...groups]
    .filter(
      ([text, group]) => text.split(' ').length >= MIN_QUERY_WORDS && group.length <= MAX_RELEVANT,
    )
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Queries are drawn first (each with all of its relevant pages), then other pages fill the
 * documents up to maxDocs as distractors. Deterministic for a seed on one machine: pages are read
 * in sorted order and drawn with seededRng. Docs come out sorted by id.
 */
export function buildLabelledSet(options: LabelledSetOptions): LabelledSet {
  positiveInteger('maxDocs', options.maxDocs);
  positiveInteger('maxQueries', options.maxQueries);
  const rng = seededRng(options.seed);
  const only = options.packages && pageIdsOfPackages(options.packages);
  const pages = only ? readManPages().filter((p) => only.has(p.id)) : readManPages();
  const groups = queryGroups(pages);

  // Texts are read only for pages drawn; a page with no text besides NAME cannot be found.
  const texts = new Map<string, string>();
  const textOf = (page: ManPage): string => {
    let text = texts.get(page.id);
    if (text === undefined) texts.set(page.id, (text = manPageText(page)));
    return text;
  };
  const chosen = new Set<string>();
  const queries: LabelledQuery[] = [];
  for (const [text, group] of shuffled(groups, rng)) {
    if (queries.length >= options.maxQueries) break;
    if (chosen.size + group.length > options.maxDocs) continue;
    if (group.some((page) => textOf(page) === '')) continue;
    for (const page of group) chosen.add(page.id);
    queries.push({ text, relevant: group.map((p) => p.id).sort() });
  }
  for (const page of shuffled(pages, rng)) {
    if (chosen.size >= options.maxDocs) break;
    if (!chosen.has(page.id) && textOf(page) !== '') chosen.add(page.id);
  }

  const docs = [...chosen].sort().map((id) => ({ id, text: texts.get(id) ?? '' }));
  const note =
    `${docs.length} of the ${pages.length} English man pages (man1-man8) on this machine` +
    `${options.packages ? ` from ${options.packages.join(', ')}` : ''}, NAME ` +
    `sections removed; ${queries.length} of ${groups.length} usable queries: NAME descriptions ` +
    `of at least ${MIN_QUERY_WORDS} words shared by at most ${MAX_RELEVANT} pages; seed ${options.seed}.`;
  return { docs, queries, note };
}

/** The share of `relevant` found in the first k of `ranked` (1 when nothing is relevant). */
export function recallAtK(
  ranked: readonly string[],
  relevant: readonly string[],
  k: number,
): number {
  if (relevant.length === 0) return 1;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** recall@k averaged over queries; `ranked[i]` is the ranking returned for `queries[i]`. */
export function meanRecall(
  ranked: readonly (readonly string[])[],
  queries: readonly Pick<LabelledQuery, 'relevant'>[],
  k: number,
): number {
  if (ranked.length !== queries.length)
    throw new Error(`meanRecall: ${ranked.length} rankings for ${queries.length} queries`);
  if (queries.length === 0) return 1;
  let sum = 0;
  for (let i = 0; i < queries.length; i++) sum += recallAtK(ranked[i]!, queries[i]!.relevant, k);
  return sum / queries.length;
}
