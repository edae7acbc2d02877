// Metadata filters on search: every key must match (AND); a key asks for one value or any of a
// list. Comparison is strict equality, so 1 and "1" differ. A key the document lacks counts as
// null, as in MongoDB: `{ "lang": null }` finds documents without a language.

export type MetadataValue = string | number | boolean | null;
export type Metadata = Readonly<Record<string, MetadataValue>>;
export type FilterCondition = MetadataValue | { readonly $in: readonly MetadataValue[] };
export type Filter = Readonly<Record<string, FilterCondition>>;

export function matchesFilter(metadata: Metadata, filter: Filter): boolean {
  for (const key of Object.keys(filter)) {
    const want = filter[key]!;
    const have = Object.hasOwn(metadata, key) ? metadata[key]! : null;
    if (isIn(want) ? !want.$in.includes(have) : want !== have) return false;
  }
  return true;
}

function isIn(c: FilterCondition): c is { readonly $in: readonly MetadataValue[] } {
  return typeof c === 'object' && c !== null;
}
