import {
  CLOSE,
  closeReason,
  ID_PATTERN,
  ID_RULE,
  ProximaError,
  SECRET_PATTERN,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { clientAddress } from '../auth/client-address.ts';
import { mayLookUp, recordFailure, recordSuccess, secretId } from '../auth/failed-auth.ts';
import { bearer, sha256Hex } from '../auth/hash.ts';
import { nodeSessionStub, type Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';

export const nodeConnect = new Hono<{ Bindings: Env }>();

/**
 * Refuses a node over the WebSocket itself: a WebSocket client cannot read the HTTP status of a
 * failed upgrade, but it can read a close code, and 4401/4403 tell the node not to retry.
 */
function refuse(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, closeReason(reason));
  return new Response(null, { status: 101, webSocket: pair[0] });
}

const REFUSALS = {
  unknown: [CLOSE.unauthorized, 'missing or unknown node token'],
  bound_elsewhere: [CLOSE.forbidden, 'this node token is bound to another node id'],
  id_taken: [CLOSE.forbidden, 'this node id is enrolled with another token'],
} as const;

function bindRefusal(code: string): keyof typeof REFUSALS {
  if (code === 'bound_elsewhere' || code === 'id_taken') return code;
  return 'unknown'; // revoked between the read and the bind
}

/** A node dials out here: `GET /v1/nodes/connect?node=<id>` with its node token, upgraded to a WebSocket. */
nodeConnect.get('/v1/nodes/connect', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(
      new ProximaError(
        'invalid_request',
        'This endpoint takes a WebSocket upgrade from a proxima node.',
      ).toBody(),
      426,
    );
  }
  const nodeId = c.req.query('node') ?? '';
  if (!ID_PATTERN.test(nodeId)) return refuse(CLOSE.malformed, `invalid 'node': ${ID_RULE}`);
  const now = Date.now();
  const address = clientAddress(c.req.raw);
  const token = bearer(c.req.header('authorization'));
  const fail = (kind: keyof typeof REFUSALS, unknownSecret?: string) => {
    recordFailure(address, now, unknownSecret);
    const [code, reason] = REFUSALS[kind];
    return refuse(code, reason);
  };
  if (!token || !SECRET_PATTERN.test(token)) return fail('unknown');
  const hash = await sha256Hex(token);
  const secret = secretId('node_token', hash);
  // A node retrying a bad token in a loop, or a flood of guesses, never reaches the registry.
  const verdict = mayLookUp(address, secret, now);
  if (verdict.kind === 'blocked') {
    return refuse(
      CLOSE.rateLimited,
      `too many refused connects from this address; retry in ${verdict.retryAfterSeconds} s`,
    );
  }
  if (verdict.kind === 'known_bad') return fail('unknown');
  const registry = await registryClient(c.env);
  const check = await registry.read({ type: 'nodeToken', hash, nodeId });
  if (!check.ok) return fail(check.reason, check.reason === 'unknown' ? secret : undefined);
  if (check.bind) {
    // The first connection binds the token to this id; the log decides a race between two.
    const bound = await registry.propose({
      v: 1,
      type: 'node.bind',
      id: check.tokenId,
      nodeId,
      at: now,
    });
    if (!bound.ok) return fail(bindRefusal(bound.code));
  }
  recordSuccess(secret, now);
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set('x-proxima-node-id', nodeId);
  return nodeSessionStub(c.env, nodeId).fetch(forwarded);
});
