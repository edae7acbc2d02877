// The part of Ollama's API Proxima serves (the edge and a node's local API alike), and the answer
// to a request for any other /api route.
import { ProximaError } from '../errors.ts';
import { quote } from '../limits.ts';

/** Each route served, with its method, in the order an error lists them. */
export const OLLAMA_ROUTES: Readonly<Record<string, 'GET' | 'POST'>> = {
  '/api/chat': 'POST',
  '/api/generate': 'POST',
  '/api/embed': 'POST',
  '/api/tags': 'GET',
  '/api/ps': 'GET',
  '/api/show': 'POST',
  '/api/version': 'GET',
};

/**
 * A request no /api route took: a 405 with Allow for a served route's wrong method, else a 404
 * listing what `server` (e.g. 'this edge') serves and saying who manages models (pull, push …).
 */
export function ollamaRouteError(
  method: string,
  path: string,
  server: string,
  modelsManagedBy: string,
): ProximaError {
  const allowed = Object.hasOwn(OLLAMA_ROUTES, path) ? OLLAMA_ROUTES[path] : undefined;
  if (allowed === undefined) {
    const paths = Object.keys(OLLAMA_ROUTES);
    const list = `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)!}`;
    return new ProximaError(
      'not_found',
      `No route for ${quote(method)} ${quote(path)}: ${server} serves ${list}; ${modelsManagedBy}.`,
    );
  }
  return new ProximaError(
    'method_not_allowed',
    `${method} is not allowed on ${path}; use ${allowed}.`,
    { headers: { allow: allowed } },
  );
}
