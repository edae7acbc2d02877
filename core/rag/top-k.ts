// The first k items of an ordering without sorting them all: a bounded heap whose root is the worst
// item kept. O(n log k); BM25 candidates can be most of a shard for a common term.

/** The k items that come first under `order` (negative: a before b), in that order. */
export function topK<T>(items: Iterable<T>, k: number, order: (a: T, b: T) => number): T[] {
  const heap: T[] = [];
  if (k <= 0) return heap;
  // Max-heap under `order`: heap[0] is the item that would be ranked last.
  const above = (i: number, j: number): boolean => order(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!above(i, parent)) break;
        swap(i, parent);
        i = parent;
      }
    } else if (order(item, heap[0]!) < 0) {
      heap[0] = item;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let top = i;
        if (l < heap.length && above(l, top)) top = l;
        if (r < heap.length && above(r, top)) top = r;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort(order);
}
