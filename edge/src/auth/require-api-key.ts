import { ProximaError } from '@proxima/core/protocol';
import { createMiddleware } from 'hono/factory';
import { registryStub, type Env } from '../env.ts';
import { bearer, sha256Hex } from './hash.ts';

export interface AuthVariables {
  tenant: string;
}

/** Resolves `Authorization: Bearer <key>` to a tenant through the registry; keys are only stored hashed. */
export const requireApiKey = createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(
  async (c, next) => {
    const key = bearer(c.req.header('authorization'));
    if (!key) {
      throw new ProximaError(
        'invalid_api_key',
        'Missing API key: send Authorization: Bearer <key>.',
      );
    }
    const tenant = await registryStub(c.env).authenticate(await sha256Hex(key));
    if (!tenant) throw new ProximaError('invalid_api_key', 'Incorrect API key provided.');
    c.set('tenant', tenant.tenant);
    await next();
  },
);
