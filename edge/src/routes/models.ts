import { modelListBody, ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { presenceStub, type Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';
import { upstreamsOf } from '../upstream/config.ts';
import { embeddingModelOf } from '../embed/embedder.ts';

export const models = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

const CATALOGUE_CLIENT = { timeoutMs: 500, budgetMs: 1000 };

/**
 * When each model was first seen, per isolate. A model's first sighting never changes, so the
 * cache is only refilled when presence lists a model it does not date yet.
 */
const firstSeen = new Map<string, number>();
const FIRST_SEEN_MAX = 10_000;

async function dates(env: Env, served: readonly string[]): Promise<void> {
  if (served.every((id) => firstSeen.has(id))) return;
  // The list is presence's; the catalogue only dates it, so an election does not fail it.
  const catalogue = await registryClient(env, CATALOGUE_CLIENT)
    .then((r) => r.read({ type: 'models' }))
    .catch(() => []);
  if (firstSeen.size + catalogue.length > FIRST_SEEN_MAX) firstSeen.clear();
  for (const m of catalogue) firstSeen.set(m.id, m.firstSeen);
}

/**
 * Models that a connected node serves now, those an upstream maps (UPSTREAMS) and the embeddings
 * model (EMBEDDER), dated by when the catalogue first saw them.
 */
async function servedModels(env: Env): Promise<Array<{ id: string; created: number }>> {
  const now = Date.now();
  const byNodes = await presenceStub(env).servedModels(now);
  await dates(env, byNodes);
  const served = new Set(byNodes);
  const embedding = embeddingModelOf(env);
  const notByNodes = [
    ...upstreamsOf(env).flatMap((upstream) => Object.keys(upstream.models)),
    // POST /v1/embeddings: the edge serves it itself.
    ...(embedding === null ? [] : [embedding]),
  ];
  for (const id of notByNodes) {
    served.add(id);
    // The catalogue records what nodes serve; other models are dated by their first listing here.
    if (!firstSeen.has(id) && firstSeen.size < FIRST_SEEN_MAX) firstSeen.set(id, now);
  }
  // A model announced while the registry had no leader is served but not yet catalogued: now.
  return [...served].sort().map((id) => ({
    id,
    created: Math.floor((firstSeen.get(id) ?? now) / 1000),
  }));
}

models.get('/v1/models', requireApiKey('models'), async (c) => {
  const list = await servedModels(c.env);
  return c.json(modelListBody(list.map((m) => ({ ...m, ownedBy: 'proxima' }))));
});

models.get('/v1/models/:id{.+}', requireApiKey('models'), async (c) => {
  const id = c.req.param('id');
  const found = (await servedModels(c.env)).find((m) => m.id === id);
  if (!found)
    throw new ProximaError('model_not_found', `The model ${quote(id)} does not exist.`, {
      param: 'model',
    });
  return c.json(modelListBody([{ ...found, ownedBy: 'proxima' }]).data[0]);
});
