// Each isolate remembers how to route a namespace's queries (its shard directory and embedder),
// so a search costs no call to the namespace object. A retired shard answers `stale` to a
// directory older than its retirement; the search then forgets the entry and asks again.
import { decodeDirectory, type NamespaceIdentity, type ShardDirectory } from '@proxima/core/rag';
import type { Env } from '../env.ts';
import { namespaceStub } from './stubs.ts';

export interface Route {
  readonly directory: ShardDirectory;
  readonly embedder: string;
  readonly dim: number;
}

const MAX_ENTRIES = 1024;
const routes = new Map<string, Route>();

const keyOf = (id: NamespaceIdentity) => `${id.tenant}/${id.namespace}`;

/** The namespace's route, or null when it holds nothing. Unknown namespaces are not remembered. */
export async function routeOf(env: Env, id: NamespaceIdentity): Promise<Route | null> {
  const key = keyOf(id);
  const known = routes.get(key);
  if (known !== undefined) {
    // Map order is insertion order: re-inserting keeps the most recently used last.
    routes.delete(key);
    routes.set(key, known);
    return known;
  }
  const answer = await namespaceStub(env, id.tenant, id.namespace).route(id);
  if (answer === null) return null;
  const route: Route = {
    directory: decodeDirectory(answer.directory),
    embedder: answer.embedder,
    dim: answer.dim,
  };
  routes.set(key, route);
  if (routes.size > MAX_ENTRIES) routes.delete(routes.keys().next().value!);
  return route;
}

export function forgetRoute(id: NamespaceIdentity): void {
  routes.delete(keyOf(id));
}
