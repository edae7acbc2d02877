// node.enroll, node.bind, node.revoke: node tokens and the node ids they are bound to.
import { quote } from '../protocol/limits.ts';
import { bindingVerdict } from './binding.ts';
import type { CommandOf } from './commands.ts';
import { tokenIdOf } from './ids.ts';
import { accepted, ALREADY_REGISTERED, refused, type Applied } from './result.ts';
import type { NodeTokenRecord, RegistryState } from './state.ts';
import { withEntry, withoutEntry } from './tables.ts';
import { nodeTokenView, type NodeTokenView } from './views.ts';

/** A token made with a node id is bound to it now; one made without, by its first connection. */
export function enrollNode(
  state: RegistryState,
  cmd: CommandOf<'node.enroll'>,
): Applied<NodeTokenView> {
  const id = tokenIdOf(cmd.hash);
  const existing = state.nodeTokens.get(id);
  if (existing) {
    return refused(
      state,
      'token_exists',
      existing.hash === cmd.hash
        ? ALREADY_REGISTERED.token_exists
        : `Token id ${id} is taken by another token (same hash prefix); generate a new token.`,
    );
  }
  const nodeId = cmd.nodeId ?? null;
  if (nodeId !== null && state.tokenOfNode.has(nodeId)) {
    return refused(
      state,
      'node_id_taken',
      `Node id ${quote(nodeId)} already has a token; revoke it first.`,
    );
  }
  const record: NodeTokenRecord = {
    id,
    hash: cmd.hash,
    name: cmd.name,
    nodeId,
    createdAt: cmd.at,
    boundAt: nodeId === null ? null : cmd.at,
  };
  return accepted(withToken(state, record), nodeTokenView(record));
}

/**
 * Records a token's first connection. Binding a token again to its own node id is accepted and
 * changes nothing (two connections may race to propose it).
 */
export function bindNode(
  state: RegistryState,
  cmd: CommandOf<'node.bind'>,
): Applied<NodeTokenView> {
  const token = state.nodeTokens.get(cmd.id);
  if (!token) return refused(state, 'not_found', `No node token ${quote(cmd.id)}.`);
  const verdict = bindingVerdict(state, token, cmd.nodeId);
  if (!verdict.ok) {
    return verdict.reason === 'bound_elsewhere'
      ? refused(
          state,
          'bound_elsewhere',
          `Node token ${token.id} is bound to node ${quote(token.nodeId ?? '')}, not ${quote(cmd.nodeId)}.`,
        )
      : refused(state, 'id_taken', `Node id ${quote(cmd.nodeId)} is bound to another token.`);
  }
  if (!verdict.bind) return accepted(state, nodeTokenView(token));
  const record: NodeTokenRecord = { ...token, nodeId: cmd.nodeId, boundAt: cmd.at };
  return accepted(withToken(state, record), nodeTokenView(record));
}

/** Deletes the token; says which node it was bound to, so the caller can cut that node off. */
export function revokeNode(
  state: RegistryState,
  cmd: CommandOf<'node.revoke'>,
): Applied<{ readonly id: string; readonly nodeId: string | null }> {
  const token = state.nodeTokens.get(cmd.id);
  if (!token) return refused(state, 'not_found', `No node token ${quote(cmd.id)}.`);
  const next: RegistryState = {
    ...state,
    nodeTokens: withoutEntry(state.nodeTokens, token.id),
    tokenOfNode:
      token.nodeId === null ? state.tokenOfNode : withoutEntry(state.tokenOfNode, token.nodeId),
  };
  return accepted(next, { id: token.id, nodeId: token.nodeId });
}

/** Stores a token and keeps the node id index in step with it. */
function withToken(state: RegistryState, token: NodeTokenRecord): RegistryState {
  return {
    ...state,
    nodeTokens: withEntry(state.nodeTokens, token.id, token),
    tokenOfNode:
      token.nodeId === null
        ? state.tokenOfNode
        : withEntry(state.tokenOfNode, token.nodeId, token.id),
  };
}
