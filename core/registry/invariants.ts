// What holds of every state that apply can reach. Checked when a snapshot is restored (a corrupt
// one must not become a peer's state) and after every step of the property tests.
import { configProblem } from './config.ts';
import { keyIdOf, tokenIdOf } from './ids.ts';
import type { RegistryState } from './state.ts';

/** The first broken invariant, described, or null when the state is sound. */
export function invariantViolation(state: RegistryState): string | null {
  for (const [id, key] of state.keys) {
    if (id !== key.id || id !== keyIdOf(key.hash))
      return `key ${id} is not filed under its hash's id`;
    if (!state.tenants.has(key.tenant)) return `key ${id} belongs to no tenant (${key.tenant})`;
  }
  let bound = 0;
  for (const [id, token] of state.nodeTokens) {
    if (id !== token.id || id !== tokenIdOf(token.hash))
      return `node token ${id} is not filed under its hash's id`;
    if (token.nodeId === null) continue;
    bound++;
    if (state.tokenOfNode.get(token.nodeId) !== id)
      return `node ${token.nodeId} is bound to two tokens, or the index misses it`;
  }
  if (bound !== state.tokenOfNode.size) return 'the node id index names tokens that are not bound';
  for (const [id, model] of state.models) {
    if (id !== model.id) return `model ${id} is filed under another id`;
    if (model.seenBy.size === 0) return `model ${id} was seen by no node`;
  }
  for (const [alias, target] of state.routes)
    if (alias === target || state.routes.has(target)) return `route ${alias} chains to an alias`;
  for (const [key, value] of state.config) {
    const problem = configProblem(key, value);
    if (problem !== null) return `setting ${key} ${problem}`;
  }
  return null;
}
