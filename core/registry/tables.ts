// Table helpers: copy-on-write edits (see state.ts; the argument is never changed) and one order.

export function withEntry<K, V>(table: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  const next = new Map(table);
  next.set(key, value);
  return next;
}

export function withoutEntry<K, V>(table: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  const next = new Map(table);
  next.delete(key);
  return next;
}

/** Code-unit order: the same on every peer, whatever the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
