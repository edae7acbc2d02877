import {
  LOCATION_HINT_RULE,
  LOCATION_HINTS,
  parsePeerId,
  PEER_ID_RULE,
} from '@proxima/core/membership';
import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { raiseProblem, refusalError } from '@proxima/core/registry';
import { MAX_PEER_ID } from '@proxima/core/replica';
import { Hono } from 'hono';
import * as z from 'zod';
import type { Env } from '../../env.ts';
import { MembershipClient } from '../../raft/client/membership-client.ts';
import { registryClient } from '../../raft/client/registry.ts';
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

const newVersion = z
  .object({
    version: z.number('must be an integer').int('must be an integer').min(1).max(1_000_000),
  })
  .strict();

/**
 * Raises the command version the group applies, once every member's build applies it: the gate
 * that keeps a newer command from being applied by some peers and refused by others.
 */
raft.post('/version', async (c) => {
  const body = parseOrThrow(newVersion, await optionalJson(c.req.raw, c.env), 'request body');
  const group = await new MembershipClient(c.env).status();
  const registry = await registryClient(c.env);
  const current = await registry.read({ type: 'clusterVersion' });
  const members = group.peers.map((p) =>
    'error' in p ? p : { self: p.self, commandVersion: p.commandVersion },
  );
  const problem = raiseProblem(members, current, body.version);
  if (problem !== null) throw new ProximaError('conflict', problem);
  const raised = await registry.propose({
    v: 1,
    type: 'cluster.setVersion',
    version: body.version,
  });
  if (!raised.ok) throw refusalError(raised);
  return c.json({ clusterVersion: body.version, previous: current });
});
