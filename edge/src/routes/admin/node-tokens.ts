import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { forgetKnownBad, secretId } from '../../auth/failed-auth.ts';
import { newSecret, sha256Hex } from '../../auth/hash.ts';
import { nodeSessionStub, registryStub, type Env } from '../../env.ts';
import { optionalJson } from './optional-json.ts';
import { credentialId, newNodeToken } from './schemas.ts';

export const nodeTokens = new Hono<{ Bindings: Env }>();

/** Creates a node token, shown once, bound to `nodeId` if given (else to its first connection's id). */
nodeTokens.post('/', async (c) => {
  const body = parseOrThrow(newNodeToken, await optionalJson(c.req.raw, c.env), 'request body');
  const token = body.token ?? newSecret('pxn');
  const hash = await sha256Hex(token);
  const created = await registryStub(c.env).addNodeToken(
    hash,
    body.name,
    body.nodeId ?? null,
    Date.now(),
  );
  if (created === 'token_exists')
    throw new ProximaError('conflict', 'That token is already registered.');
  if (created === 'node_id_taken') {
    throw new ProximaError(
      'conflict',
      `Node id ${quote(body.nodeId ?? '')} already has a token; revoke it first.`,
      { param: 'nodeId' },
    );
  }
  forgetKnownBad(secretId('node_token', hash));
  return c.json({ ...created, token }, 201);
});

nodeTokens.get('/', async (c) => c.json({ tokens: await registryStub(c.env).listNodeTokens() }));

/** Revokes a token and disconnects the node bound to it at once (close code 4401). */
nodeTokens.delete('/:id', async (c) => {
  const id = parseOrThrow(credentialId, c.req.param('id'), 'token id');
  const registry = registryStub(c.env);
  const revoked = await registry.revokeNodeToken(id);
  if (!revoked) throw new ProximaError('not_found', `No node token ${quote(id)}.`);
  let disconnected = false;
  if (revoked.nodeId !== null) {
    disconnected = await nodeSessionStub(c.env, revoked.nodeId).evict('node token revoked');
    await registry.forgetNode(revoked.nodeId, Date.now());
  }
  return c.json({ id, revoked: true, nodeId: revoked.nodeId, disconnected });
});
