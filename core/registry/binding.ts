// The one rule for binding node tokens to node ids, used by the hot-path check (a connecting node)
// and by node.bind (the log entry that records its first connection): a token only ever connects
// as its node, and a node id has at most one token.
import type { NodeTokenRecord, RegistryState } from './state.ts';

export type BindingVerdict =
  /** `bind`: the token is unbound and this connection should propose node.bind. */
  | { readonly ok: true; readonly bind: boolean }
  | { readonly ok: false; readonly reason: 'bound_elsewhere' | 'id_taken' };

export function bindingVerdict(
  state: RegistryState,
  token: NodeTokenRecord,
  nodeId: string,
): BindingVerdict {
  if (token.nodeId !== null)
    return token.nodeId === nodeId
      ? { ok: true, bind: false }
      : { ok: false, reason: 'bound_elsewhere' };
  return state.tokenOfNode.has(nodeId)
    ? { ok: false, reason: 'id_taken' }
    : { ok: true, bind: true };
}
