import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { refusalError, tokenIdOf } from '@proxima/core/registry';
import { Hono } from 'hono';
import { forgetKnownBad, secretId } from '../../auth/failed-auth.ts';
import { newSecret, sha256Hex } from '../../auth/hash.ts';
import { nodeSessionStub, presenceStub, type Env } from '../../env.ts';
import { registryClient } from '../../raft/client/registry.ts';
import { optionalJson } from './optional-json.ts';
import { newNodeToken, tokenId } from './schemas.ts';
import { settle } from './settle.ts';

export const nodeTokens = new Hono<{ Bindings: Env }>();

/** Creates a node token, shown once, bound to `nodeId` if given (else to its first connection's id). */
nodeTokens.post('/', async (c) => {
  const body = parseOrThrow(newNodeToken, await optionalJson(c.req.raw, c.env), 'request body');
  const token = body.token ?? newSecret('pxn');
  const hash = await sha256Hex(token);
  const registry = await registryClient(c.env);
  const enrolled = await registry.propose({
    v: 1,
    type: 'node.enroll',
    hash,
    name: body.name,
    ...(body.nodeId === undefined ? {} : { nodeId: body.nodeId }),
    at: Date.now(),
  });
  if (!enrolled.ok && enrolled.code === 'node_id_taken') {
    // `param` tells a caller which field clashed (the dev runner replaces its own nodes' tokens).
    throw new ProximaError(
      'conflict',
      `Node id ${quote(body.nodeId ?? '')} already has a token; revoke it first.`,
      { param: 'nodeId' },
    );
  }
  const created = await settle(enrolled, async () => {
    const all = await registry.read({ type: 'nodeTokens' });
    return all.find((t) => t.id === tokenIdOf(hash)) ?? null;
  });
  forgetKnownBad(secretId('node_token', hash));
  return c.json({ ...created, token }, 201);
});

nodeTokens.get('/', async (c) => {
  const registry = await registryClient(c.env);
  return c.json({ tokens: await registry.read({ type: 'nodeTokens' }) });
});

/** Revokes a token and disconnects the node bound to it at once (close code 4401). */
nodeTokens.delete('/:id', async (c) => {
  const id = parseOrThrow(tokenId, c.req.param('id'), 'token id');
  const registry = await registryClient(c.env);
  const revoked = await registry.propose({ v: 1, type: 'node.revoke', id });
  if (!revoked.ok) throw refusalError(revoked); // 404 for an unknown id
  // A retried revoke has no result: the node id is then unknown here, and the node is cut off
  // anyway at its next connect (the token no longer exists).
  const nodeId = 'value' in revoked ? revoked.value.nodeId : null;
  let disconnected = false;
  if (nodeId !== null) {
    disconnected = await nodeSessionStub(c.env, nodeId).evict('node token revoked');
    await presenceStub(c.env).forgetNode(nodeId);
  }
  return c.json({ id, revoked: true, nodeId, disconnected });
});
