import {
  LOCATION_HINT_RULE,
  LOCATION_HINTS,
  parsePeerId,
  PEER_ID_RULE,
} from '@proxima/core/membership';
import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { MAX_PEER_ID } from '@proxima/core/replica';
import { Hono } from 'hono';
import * as z from 'zod';
import type { Env } from '../../env.ts';
import { MembershipClient } from '../../raft/client/membership-client.ts';
import { optionalJson } from './optional-json.ts';

/** The registry's Raft group: its status, and membership changes made at its leader. */
export const raft = new Hono<{ Bindings: Env }>();

const peerId = z
  .number({ error: `must be ${PEER_ID_RULE}` })
  .int(`must be ${PEER_ID_RULE}`)
  .min(1, `must be ${PEER_ID_RULE}`)
  .max(MAX_PEER_ID, `must be ${PEER_ID_RULE}`);

const newPeer = z
  .object({
    id: peerId,
    locationHint: z.enum(LOCATION_HINTS, { error: `must be ${LOCATION_HINT_RULE}` }).optional(),
  })
  .strict();

const transfer = z.object({ to: peerId }).strict();

/** Each member's own view (leader, term, commit, applied), and the leader's voters and learners. */
raft.get('/status', async (c) => c.json(await new MembershipClient(c.env).status()));

/** Adds a peer as a voter: a learner first, promoted once caught up. Ids are never reused. */
raft.post('/peers', async (c) => {
  const body = parseOrThrow(newPeer, await optionalJson(c.req.raw, c.env), 'request body');
  const group = await new MembershipClient(c.env).add(body.id, body.locationHint ?? null);
  return c.json({ added: body.id, ...group }, 201);
});

/** Removes a peer (never the leader: transfer first); the removed peer stops for good. */
raft.delete('/peers/:id', async (c) => {
  const raw = c.req.param('id');
  const id = parsePeerId(raw);
  if (id === null)
    throw new ProximaError(
      'invalid_request',
      `Invalid peer id ${quote(raw)}: must be ${PEER_ID_RULE}.`,
      {
        param: 'id',
      },
    );
  const group = await new MembershipClient(c.env).remove(id);
  return c.json({ removed: id, ...group });
});

/** Hands leadership to another voter and answers once it leads. */
raft.post('/transfer', async (c) => {
  const body = parseOrThrow(transfer, await optionalJson(c.req.raw, c.env), 'request body');
  return c.json(await new MembershipClient(c.env).transfer(body.to));
});
