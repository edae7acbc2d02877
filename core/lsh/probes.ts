// Query-directed multi-probe (Lv et al., 2007): after the home bucket, visit the buckets reached by
// flipping the bits whose projections were closest to zero, cheapest total margin first.

interface Perturbation {
  /** Indices into the margin-sorted bit order, ascending. */
  readonly set: number[];
  readonly cost: number;
}

/**
 * Returns up to 1 + probes bucket keys for one table: the home key, then keys with low-margin bits
 * flipped in order of increasing Σ margin². margins[j] is the projection on bit j.
 */
export function probeKeys(
  home: number,
  margins: Float32Array,
  offset: number,
  bits: number,
  probes: number,
): number[] {
  const keys = [home];
  if (probes <= 0 || bits === 0) return keys;
  const order = Array.from({ length: bits }, (_, j) => j);
  const cost = order.map((j) => {
    const m = margins[offset + j] ?? 0;
    return m * m;
  });
  order.sort((a, b) => cost[a]! - cost[b]!);
  const sorted = order.map((j) => cost[j]!);
  // A small binary heap of perturbation sets, expanded by "shift" and "expand" moves; each set is
  // generated exactly once this way.
  const heap: Perturbation[] = [{ set: [0], cost: sorted[0]! }];
  while (keys.length <= probes && heap.length > 0) {
    const top = pop(heap);
    let key = home;
    for (const i of top.set) key ^= 1 << order[i]!;
    keys.push(key >>> 0);
    const last = top.set[top.set.length - 1]!;
    if (last + 1 < bits) {
      const shifted = [...top.set.slice(0, -1), last + 1];
      push(heap, { set: shifted, cost: top.cost - sorted[last]! + sorted[last + 1]! });
      push(heap, { set: [...top.set, last + 1], cost: top.cost + sorted[last + 1]! });
    }
  }
  return keys;
}

function push(h: Perturbation[], p: Perturbation): void {
  h.push(p);
  let i = h.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (h[parent]!.cost <= h[i]!.cost) break;
    [h[parent], h[i]] = [h[i]!, h[parent]!];
    i = parent;
  }
}

function pop(h: Perturbation[]): Perturbation {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.cost < h[m]!.cost) m = l;
      if (r < h.length && h[r]!.cost < h[m]!.cost) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}
