import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { RegistryClient } from '../../raft/client/registry-client.ts';

export const raft = new Hono<{ Bindings: Env }>();

/** Each peer's own view of the registry group (leader, term, commit, applied, members). */
raft.get('/status', async (c) => c.json({ peers: await new RegistryClient(c.env).status() }));
