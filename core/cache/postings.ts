// key → ids, for invalidation by tag and by source document without scanning the store.

export class Postings {
  private readonly map = new Map<string, Set<string>>();

  add(key: string, id: string): void {
    let ids = this.map.get(key);
    if (!ids) this.map.set(key, (ids = new Set()));
    ids.add(id);
  }

  remove(key: string, id: string): void {
    const ids = this.map.get(key);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.map.delete(key);
  }

  /** A copy, so the caller may remove entries while iterating. */
  ids(key: string): string[] {
    return [...(this.map.get(key) ?? [])];
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}
