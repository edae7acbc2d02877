/**
 * The ids of the last proposals applied, in log order. Part of the replicated state (it travels in
 * snapshots), so every peer drops the same retried duplicates. Bounded: the oldest id is forgotten
 * first, so a retry must come within the last `capacity` proposals.
 */
export class AppliedIds {
  private readonly ids = new Set<string>();
  readonly capacity: number;

  constructor(capacity: number, ids: Iterable<string> = []) {
    this.capacity = capacity;
    for (const id of ids) this.add(id);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  /** Oldest first. */
  list(): string[] {
    return [...this.ids];
  }
}
