import { CLOSE, closeReason, ProximaError } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { bearer, sha256Hex } from '../auth/hash.ts';
import { nodeSessionStub, registryStub, type Env } from '../env.ts';

export const nodeConnect = new Hono<{ Bindings: Env }>();

const NODE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Refuses a node over the WebSocket itself: a WebSocket client cannot read the HTTP status of a
 * failed upgrade, but it can read a close code, and 4401/4400 tell the node not to retry.
 */
function refuse(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, closeReason(reason));
  return new Response(null, { status: 101, webSocket: pair[0] });
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
  const token = bearer(c.req.header('authorization'));
  if (!token || !(await registryStub(c.env).checkNodeToken(await sha256Hex(token)))) {
    return refuse(CLOSE.unauthorized, 'missing or unknown node token');
  }
  const nodeId = c.req.query('node') ?? '';
  if (!NODE_ID.test(nodeId)) {
    return refuse(CLOSE.malformed, "invalid 'node': 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set('x-proxima-node-id', nodeId);
  return nodeSessionStub(c.env, nodeId).fetch(forwarded);
});
