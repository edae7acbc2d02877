import type { Env } from '../../env.ts';
import { ensureLegacyHandedOver } from '../../registry/hand-over.ts';
import { DEFAULT_CLIENT, RegistryClient, type ClientOptions } from './registry-client.ts';

/**
 * The client every route uses. The first call in an isolate makes sure an upgraded deployment's
 * old registry has handed its rows over, so no key or token is missing from what it reads.
 */
export async function registryClient(
  env: Env,
  options: ClientOptions = DEFAULT_CLIENT,
): Promise<RegistryClient> {
  await ensureLegacyHandedOver(env);
  return new RegistryClient(env, options);
}
