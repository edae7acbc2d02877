import {
  MODEL_CAPABILITIES,
  MODEL_KINDS,
  proximaModelBody,
  ProximaError,
  quote,
  type ModelCapability,
  type ModelKind,
} from '@proxima/core/protocol';
import { upstreamBackends } from '@proxima/core/routing';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { presenceStub, type Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';
import { burstModelsOf } from '../burst/config.ts';
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

/** A served model, with what Proxima knows it can do (the `proxima` field of its entry). */
export interface ModelEntry {
  readonly id: string;
  /** Unix seconds: when the catalogue first saw it. */
  readonly created: number;
  /** Tokens of context: the largest a node serving it announced; null when none says (upstreams). */
  readonly contextLength: number | null;
  /** MODEL_CAPABILITIES that some backend serving it has (routing picks a capable one). */
  readonly capabilities: readonly ModelCapability[];
  /** What it is for: 'generate' (chat) when any backend serves it so, else 'embed' or 'ocr'. */
  readonly kind: ModelKind;
}

interface Known {
  contextLength: number | null;
  readonly capabilities: Set<ModelCapability>;
  readonly kinds: Set<ModelKind>;
}

/**
 * Models that a connected node serves now, those an upstream maps (UPSTREAMS) or Azure serves
 * (AZURE_BURST_MODELS) and the embeddings
 * model (EMBEDDER), dated by when the catalogue first saw them, with their context and
 * capabilities: nodes' from their hello (via presence), upstreams' from their config.
 */
export async function servedModelEntries(env: Env): Promise<ModelEntry[]> {
  const now = Date.now();
  const byNodes = await presenceStub(env).servedModelDetails(now);
  await dates(
    env,
    byNodes.map((m) => m.id),
  );
  const known = new Map<string, Known>();
  const entry = (id: string): Known => {
    const found = known.get(id) ?? {
      contextLength: null,
      capabilities: new Set(),
      kinds: new Set(),
    };
    known.set(id, found);
    return found;
  };
  for (const m of byNodes) {
    const e = entry(m.id);
    e.contextLength = m.contextLength;
    for (const c of m.capabilities) e.capabilities.add(c);
    e.kinds.add(m.kind);
  }
  const notByNodes = new Set<string>();
  const upstreams = upstreamsOf(env);
  for (const id of upstreams.flatMap((u) => Object.keys(u.models))) {
    notByNodes.add(id);
    const e = entry(id);
    e.kinds.add('generate');
    // The same view routing has of them, so the list says what a request would find.
    for (const b of upstreamBackends(upstreams, id, () => 0))
      for (const c of b.capabilities ?? []) e.capabilities.add(c);
  }
  // The chat models the Azure Function App's Foundry serves (AZURE_BURST_MODELS).
  for (const m of burstModelsOf(env)) {
    notByNodes.add(m.model);
    const e = entry(m.model);
    e.kinds.add('generate');
    for (const c of m.capabilities) e.capabilities.add(c);
  }
  // POST /v1/embeddings: the edge serves it itself.
  const embedding = embeddingModelOf(env);
  if (embedding !== null) {
    notByNodes.add(embedding);
    entry(embedding).capabilities.add('embeddings');
    entry(embedding).kinds.add('embed');
  }
  for (const id of notByNodes) {
    // The catalogue records what nodes serve; other models are dated by their first listing here.
    if (!firstSeen.has(id) && firstSeen.size < FIRST_SEEN_MAX) firstSeen.set(id, now);
  }
  // A model announced while the registry had no leader is served but not yet catalogued: now.
  return [...known.keys()].sort().map((id) => {
    const e = known.get(id)!;
    return {
      id,
      created: Math.floor((firstSeen.get(id) ?? now) / 1000),
      contextLength: e.contextLength,
      capabilities: MODEL_CAPABILITIES.filter((c) => e.capabilities.has(c)),
      kind: MODEL_KINDS.find((k) => e.kinds.has(k)) ?? 'generate',
    };
  });
}

models.get('/v1/models', requireApiKey('models'), async (c) => {
  const list = await servedModelEntries(c.env);
  return c.json({ object: 'list' as const, data: list.map(proximaModelBody) });
});

models.get('/v1/models/:id{.+}', requireApiKey('models'), async (c) => {
  const id = c.req.param('id');
  const found = (await servedModelEntries(c.env)).find((m) => m.id === id);
  if (!found)
    throw new ProximaError('model_not_found', `The model ${quote(id)} does not exist.`, {
      param: 'model',
    });
  return c.json(proximaModelBody(found));
});
