// A query's terms against one row's: the row keeps its term ids sorted, so the frequencies of all
// query terms come from one merge of two sorted lists (or binary searches for a short query).

/** A query's distinct term ids, ascending, and per query term its index among them (-1: not a u32). */
export interface SortedTerms {
  readonly ids: Uint32Array;
  readonly at: Int32Array;
}

export function sortTerms(terms: readonly number[]): SortedTerms {
  const valid = terms.filter((id) => Number.isInteger(id) && id >= 0 && id <= 0xffffffff);
  const ids = Uint32Array.from(new Set(valid)).sort();
  const index = new Map<number, number>();
  ids.forEach((id, i) => index.set(id, i));
  return { ids, at: Int32Array.from(terms, (id) => index.get(id) ?? -1) };
}

/**
 * out[q] = the row's frequency of ids[q] (0 if absent), for ascending ids: one merge of the two
 * sorted lists, or binary searches when the query is much shorter than the row.
 */
export function tfsIn(
  row: { readonly ids: Uint32Array; readonly tfs: Uint32Array },
  ids: Uint32Array,
  out: Float64Array,
): void {
  const { ids: terms, tfs } = row;
  const n = terms.length;
  let lo = 0;
  const search = ids.length * 8 < n;
  for (let q = 0; q < ids.length; q++) {
    const id = ids[q]!;
    if (search) {
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (terms[mid]! < id) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < n && terms[lo]! < id) lo++;
    }
    out[q] = lo < n && terms[lo] === id ? tfs[lo]! : 0;
  }
}
