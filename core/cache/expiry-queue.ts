// Entries by expiry time, soonest first (a binary min-heap), so expire(now) costs O(expired · log n)
// instead of a scan of the store. Removal is lazy: the caller says which popped items are still
// live, and compacts the heap when stale items outnumber live ones.

export interface Expiring {
  readonly expiresAt: number;
}

export class ExpiryQueue<T extends Expiring> {
  private heap: T[] = [];

  get length(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.expiresAt <= item.expiresAt) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = item;
  }

  /** Pops every item due at `now` (expiresAt ≤ now) for which isLive holds. */
  popDue(now: number, isLive: (item: T) => boolean): T[] {
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.expiresAt <= now) {
      const item = this.pop();
      if (isLive(item)) due.push(item);
    }
    return due;
  }

  /** Rebuilds the heap from the live items when it holds more than twice as many (plus slack). */
  compact(live: () => Iterable<T>, liveCount: number): void {
    if (this.heap.length <= 2 * liveCount + 64) return;
    this.heap = [];
    for (const item of live()) this.push(item);
  }

  private pop(): T {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.expiresAt < h[l]!.expiresAt ? r : l;
      if (h[c]!.expiresAt >= last.expiresAt) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
