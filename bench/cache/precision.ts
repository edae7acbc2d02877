// Precision and hit rate of semantic lookups on the near-miss set, over a threshold sweep, with the
// near-miss guard and without it (embedder only).
import { CacheStore } from '@proxima/core/cache';
import type { VectorKernels } from '@proxima/core/lsh';
import type { LexicalEmbedder } from '@proxima/wasm';
import { NEGATIVE_KINDS, POSITIVE_KINDS, type NearMissSet, type Prompt } from './near-miss-set.ts';
import { prepare, store, type Asked } from './pipeline.ts';

export interface Point {
  readonly threshold: number;
  readonly guard: boolean;
  readonly hits: number;
  readonly correct: number;
  readonly precision: number;
  readonly hitRate: number;
  readonly crossTenantHits: number;
  /** Wrong hits by the kind of query that got them. */
  readonly wrongByKind: Readonly<Record<string, number>>;
  /** Guard refusals by reason (best refused candidate of each miss). */
  readonly refusedByReason: Readonly<Record<string, number>>;
  readonly qualifierHits: number;
}

interface Ready extends Prompt {
  readonly asked: Asked;
}

export interface Evaluation {
  readonly points: Point[];
  readonly counts: { stored: number; positives: number; negatives: number; qualifiers: number };
  readonly lshScopes: number;
}

const pass = (): { ok: true } => ({ ok: true });

export function evaluate(
  set: NearMissSet,
  embedder: LexicalEmbedder,
  kernels: VectorKernels,
  thresholds: readonly number[],
): Evaluation {
  const ready = (p: Prompt): Ready => ({ ...p, asked: prepare(embedder, p.tenant, p.text) });
  const stored = set.stored.map(ready);
  const queries = set.queries.map(ready);
  const qualifiers = set.qualifiers.map(ready);
  const positives = queries.filter((q) => POSITIVE_KINDS.includes(q.kind)).length;
  const points: Point[] = [];
  let lshScopes = 0;
  for (const guard of [true, false]) {
    // One store holds every tenant: isolation must come from the scope, not from separate stores.
    const cache = new CacheStore({ kernels, capacity: 100_000, ...(guard ? {} : { guard: pass }) });
    const byId = new Map<string, Ready>();
    stored.forEach((p, i) => {
      byId.set(`s${i}`, p);
      store(cache, `s${i}`, p.asked, 0);
    });
    lshScopes = cache.stats().lshScopes;
    for (const threshold of thresholds) {
      const run = (q: Ready): { hit?: Ready; reason?: string } => {
        const r = cache.lookup({ ...q.asked, mode: 'semantic', threshold, now: 1 });
        if (r.kind === 'miss') return r.refused ? { reason: r.refused.reason } : {};
        return { hit: byId.get(r.id)! };
      };
      let hits = 0;
      let correct = 0;
      let positiveHits = 0;
      let cross = 0;
      const wrongByKind: Record<string, number> = {};
      const refusedByReason: Record<string, number> = {};
      for (const q of queries) {
        const { hit, reason } = run(q);
        if (reason) refusedByReason[reason] = (refusedByReason[reason] ?? 0) + 1;
        if (!hit) continue;
        hits++;
        if (hit.tenant !== q.tenant) cross++;
        const ok = hit.tenant === q.tenant && hit.meaning === q.meaning;
        if (ok) correct++;
        else wrongByKind[q.kind] = (wrongByKind[q.kind] ?? 0) + 1;
        if (ok && POSITIVE_KINDS.includes(q.kind)) positiveHits++;
      }
      const qualifierHits = qualifiers.filter((q) => run(q).hit !== undefined).length;
      points.push({
        threshold,
        guard,
        hits,
        correct,
        precision: hits === 0 ? 1 : correct / hits,
        hitRate: positiveHits / positives,
        crossTenantHits: cross,
        wrongByKind,
        refusedByReason,
        qualifierHits,
      });
    }
  }
  return {
    points,
    counts: {
      stored: stored.length,
      positives,
      negatives: queries.filter((q) => NEGATIVE_KINDS.includes(q.kind)).length,
      qualifiers: qualifiers.length,
    },
    lshScopes,
  };
}

/** The highest hit rate at precision ≥ floor; among equal hit rates, the highest threshold. */
export function chooseThreshold(points: readonly Point[], floor = 0.99): Point | undefined {
  return points
    .filter((p) => p.guard && p.hits > 0 && p.precision >= floor)
    .reduce<Point | undefined>(
      (best, p) =>
        !best ||
        p.hitRate > best.hitRate ||
        (p.hitRate === best.hitRate && p.threshold > best.threshold)
          ? p
          : best,
      undefined,
    );
}
