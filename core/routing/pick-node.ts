/** Pure choice of a node for a model. Load-aware routing arrives with the routing issue. */

export interface NodeCandidate {
  readonly nodeId: string;
  readonly models: readonly string[];
  readonly draining: boolean;
}

export type PickResult =
  | { readonly kind: 'node'; readonly nodeId: string }
  | { readonly kind: 'unknown_model' }
  | { readonly kind: 'no_capacity' };

/**
 * Picks uniformly among connected, non-draining nodes that serve `model`.
 * `knownModel` says whether the catalogue has ever seen the model: a known model with no node
 * is a capacity problem (503), an unknown one is the caller's mistake (404).
 * `random` returns a float in [0, 1).
 */
export function pickNode(
  candidates: readonly NodeCandidate[],
  model: string,
  knownModel: boolean,
  random: () => number,
  exclude: ReadonlySet<string> = new Set(),
): PickResult {
  const serving = candidates.filter(
    (c) => !c.draining && !exclude.has(c.nodeId) && c.models.includes(model),
  );
  if (serving.length === 0) return knownModel ? { kind: 'no_capacity' } : { kind: 'unknown_model' };
  const index = Math.min(serving.length - 1, Math.floor(random() * serving.length));
  const chosen = serving[index];
  return chosen ? { kind: 'node', nodeId: chosen.nodeId } : { kind: 'no_capacity' };
}
