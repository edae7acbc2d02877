/**
 * Requests this isolate has running on each upstream: the edge's own concurrency count, which
 * is what `maxConcurrent` caps (an upstream reports no load of its own). Per isolate, so the
 * cap is per isolate too; good enough for a fallback tier, documented as such.
 */
const counts = new Map<string, number>();

export function inFlight(name: string): number {
  return counts.get(name) ?? 0;
}

/** Counts one request; the returned release is idempotent (a stream may end and be cancelled). */
export function acquire(name: string): () => void {
  counts.set(name, inFlight(name) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = inFlight(name) - 1;
    if (n > 0) counts.set(name, n);
    else counts.delete(name);
  };
}
