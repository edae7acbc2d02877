import { modelListBody, ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { registryStub, type Env } from '../env.ts';

export const models = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

/** Models that a connected node serves now. */
models.get('/v1/models', requireApiKey, async (c) => {
  const list = await registryStub(c.env).listModels();
  return c.json(modelListBody(list.map((m) => ({ ...m, ownedBy: 'proxima' }))));
});

models.get('/v1/models/:id{.+}', requireApiKey, async (c) => {
  const id = c.req.param('id');
  const found = (await registryStub(c.env).listModels()).find((m) => m.id === id);
  if (!found)
    throw new ProximaError('model_not_found', `The model ${quote(id)} does not exist.`, {
      param: 'model',
    });
  return c.json(modelListBody([{ ...found, ownedBy: 'proxima' }]).data[0]);
});
